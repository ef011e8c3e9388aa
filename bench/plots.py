"""The PNG plots of docs/performance.md, from the merged results of
bench/run.py: throughput bars with the bandwidth limit drawn as lines,
per-call overhead against size on log axes, compile latency and import
bars.  Each function returns the file name it wrote under |img_dir|.
"""

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after the backend)
from matplotlib.ticker import FuncFormatter, LogLocator  # noqa: E402

import common as C  # noqa: E402

PLAIN = FuncFormatter(lambda v, _: f"{v:g}")  # 20, not 2 x 10^1

COLORS = {
    "numpy": "#8c8c8c", "numexpr_1": "#c7a76c", "numexpr_all": "#9c7a3c",
    "numba_cpu": "#6b9bd1", "numba_parallel": "#2c5d9c",
    "ufuncforge_cpu": "#d1495b", "ufuncforge_parallel": "#8e1b2c",
    "np.add": "#8c8c8c", "Numba": "#2c5d9c", "ufuncforge": "#d1495b",
}


def save(fig, img_dir, name):
    os.makedirs(img_dir, exist_ok=True)
    fig.savefig(os.path.join(img_dir, name), dpi=110, bbox_inches="tight")
    plt.close(fig)
    return name


def log_axis(axis):
    """Plain numbers at 1, 2, 3 and 5 times the powers of ten."""
    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 3.0, 5.0)))
    axis.set_major_formatter(PLAIN)
    axis.set_minor_formatter(FuncFormatter(lambda v, _: ""))


def throughput(ew, img_dir):
    """Grouped bars of GB/s per kernel and column, one panel per dtype; a
    solid line over each group is the 1-thread limit of its pattern
    (measured around that kernel), a dashed one the all-threads limit."""
    dtypes = list(ew["dtypes"])
    fig, axes = plt.subplots(len(dtypes), 1, figsize=(11, 4.2 * len(dtypes)))
    for ax, dtype in zip(axes, dtypes):
        rows = ew["dtypes"][dtype]
        cols = [c for c in ew["columns"]
                if any("gbs" in r["results"][c] for r in rows.values())]
        width = 0.8 / len(cols)
        for i, (name, row) in enumerate(rows.items()):
            for j, c in enumerate(cols):
                r = row["results"][c]
                ax.bar(i - 0.4 + (j + 0.5) * width, r.get("gbs", 0), width,
                       color=COLORS[c], label=ew["columns"][c] if i == 0
                       else None)
            lim = row.get("limit_gbs")
            for key, style, k in (("one_thread", "-", 1),
                                  ("all", "--", ew["threads"])):
                if lim is not None:
                    ax.hlines(lim[key], i - 0.45, i + 0.45, colors="black",
                              linestyles=style, lw=1.4,
                              label=(f"bandwidth limit, {C.threads(k)}"
                                     if i == 0 else None))
        ax.set_xticks(range(len(rows)),
                      [n.replace("_scalars", "\n(scalar args)")
                       for n in rows], fontsize=9)
        ax.set_ylabel("GB/s (inputs + output bytes / time)")
        ax.set_title(f"elementwise throughput, {dtype}, {ew['n']:,} "
                     "elements (higher is better)")
        ax.grid(axis="y", alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=9,
               frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return save(fig, img_dir, "throughput.png")


def overhead(ov, img_dir):
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label, rows in ov["tools"].items():
        if isinstance(rows, dict):
            continue
        ax.loglog([r["n"] for r in rows], [r["median_us"] for r in rows],
                  "o-", color=COLORS.get(label), label=label)
    ax.set_xticks(ov["sizes"], [f"{n:,}" for n in ov["sizes"]])
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    log_axis(ax.yaxis)
    ax.set_xlabel("elements per call")
    ax.set_ylabel("microseconds per call (median)")
    ax.set_title("per-call time of a float64 add (lower is better)")
    ax.grid(which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return save(fig, img_dir, "overhead.png")


def compile_cases(tool):
    """{case: ms} of one tool's compile results."""
    if "absent" in tool:
        return {}
    lazy = sorted(r["first_call_ms"] for r in tool["lazy"])
    cases = {"eager, per signature": tool["eager_median_ms_per_signature"],
             "lazy: first call": lazy[len(lazy) // 2],
             "first kernel\nof a process":
                 tool["fresh_process"]["first_kernel_ms"]}
    if isinstance(tool["guvectorize"], list):
        gu = sorted(r["median_ms"] for r in tool["guvectorize"])
        cases["guvectorize"] = gu[len(gu) // 2]
    return cases


def bars(ax, groups, series):
    """Grouped bars with their values on top: |series| is {label: {group:
    value}}; a group a series lacks is marked n/a."""
    width = 0.8 / len(series)
    for j, (label, values) in enumerate(series.items()):
        for i, g in enumerate(groups):
            x = i - 0.4 + (j + 0.5) * width
            v = values.get(g)
            if v is None:  # at the bottom, in axes coordinates
                ax.text(x, 0.02, "n/a", ha="center", va="bottom",
                        fontsize=8, transform=ax.get_xaxis_transform())
                continue
            ax.bar(x, v, width, color=COLORS.get(label),
                   label=label if i == 0 else None)
            ax.text(x, v, f"{v:.0f}" if v >= 10 else f"{v:.1f}",
                    ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(groups)), groups, fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)


def compile_latency(comp, imp, img_dir):
    series = {"ufuncforge": compile_cases(comp["tools"]["ufuncforge"]),
              "Numba": compile_cases(comp["tools"]["numba"])}
    groups = list(dict.fromkeys(g for s in series.values() for g in s))
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.5),
                                  gridspec_kw={"width_ratios": [2.2, 1]})
    bars(ax, groups, series)
    ax.set_yscale("log")
    ax.set_ylim(bottom=1)
    log_axis(ax.yaxis)
    ax.set_ylabel("milliseconds (median, log scale)")
    ax.set_title("compile latency (lower is better)")
    over = imp["over_numpy_ms"]
    labels = {"ufuncforge": "ufuncforge", "ufuncforge + extension":
              "ufuncforge\n+ extension", "numba": "Numba"}
    for i, (key, label) in enumerate(labels.items()):
        v = over.get(key)
        color = COLORS["Numba" if key == "numba" else "ufuncforge"]
        ax2.bar(i, v or 0, 0.6, color=color)
        ax2.text(i, v or 0, "n/a" if v is None else f"{v:.0f}",
                 ha="center", va="bottom", fontsize=8)
    ax2.set_xticks(range(len(labels)), list(labels.values()), fontsize=9)
    ax2.axhline(imp["goal_ms"], color="black", lw=1, ls="--")
    ax2.grid(axis="y", alpha=0.3)
    ax2.set_ylabel("milliseconds over `import numpy`")
    ax2.set_title(f"import time (goal <= {imp['goal_ms']:.0f} ms, dashed)")
    fig.tight_layout()
    return save(fig, img_dir, "compile.png")


def all_plots(doc, img_dir):
    """Writes every plot the results allow; {name: file}."""
    s, out = doc["suites"], {}
    if "dtypes" in s.get("elementwise", {}):
        out["throughput"] = throughput(s["elementwise"], img_dir)
    if "tools" in s.get("overhead", {}):
        out["overhead"] = overhead(s["overhead"], img_dir)
    if "tools" in s.get("compile", {}) and "cases" in s.get("import", {}):
        out["compile"] = compile_latency(s["compile"], s["import"], img_dir)
    return out
