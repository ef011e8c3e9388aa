/*
 * cpu.c -- the host CPU target: the pipeline of compile.c, JIT'd for the
 * CPU this process runs on.
 */
#include "targets.h"

const UfTarget uf_target_cpu = {
    .name = "cpu",
    .compile = uf_compile,
};
