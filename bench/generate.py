#!/usr/bin/env python3
"""Writes benchmark workflows for `handoff check`: clean files of 1,000, 10,000 and 100,000
steps in four shapes.

- chain:   one long chain; the owner changes every 10 steps (a handoff carrying the context).
- diamond: split-and-join diamonds in a row, one branch through a person.
- fanout:  one step that fans out to every other step.
- fields:  500 context fields; every step provides a window of 40 of them, every handoff carries
           40 and drops the rest, every step needs 5 of what it was handed.
- twoway:  adversarial for the context fixpoint: steps linked forward and backward, half as
           many fields as steps (at most 4,000), each step providing one; the last step hands
           the work back carrying none of them, so their absence travels back along the whole
           chain (a fixpoint with one pass per step of propagation was cubic here).
- routing: wide routing: steps that each route to 50 others with exclusive conditions over 5
           fields (number, money, enum, bool, text) mixing `and`, `or`, `not` and `in`, then on
           to the next router `otherwise`.

Usage: generate.py OUT_DIR [SIZE ...]   (sizes default to 1000 10000 100000)
"""
import os
import sys

HEADER = """actor bot: ai {{ can crm.read }}
actor desk: team {{ can crm.read fallback lead  inbox slack "#desk" }}
actor lead: human {{ can approve  inbox email "lead@example.com" }}

/// Benchmark workflow: {shape}, {n} steps.
workflow bench_{shape}_{n} {{
  owner lead
"""


def chain(n):
    out = [HEADER.format(shape="chain", n=n)]
    fields = [f"f{k}" for k in range(10)]
    out.append("  context {\n" + "".join(f"    {f}: text\n" for f in fields) + "    brief: summary\n  }\n")
    out.append(f"  trigger start: webhook \"/start\" {{ provides {', '.join(fields)} }}\n")
    for i in range(n):
        owner = "bot" if (i // 10) % 2 == 0 else "desk"
        provides = " provides brief" if i == 0 else ""
        out.append(f"  step s{i} {{ owner {owner} needs f{i % 10}{provides} }}\n")
    out.append("  flow start -> s0\n")
    carried = ", ".join(fields + ["brief"])
    for i in range(n - 1):
        if (i + 1) % 10 == 0:
            out.append(f"  handoff s{i} -> s{i + 1} {{ carries {carried}  sla 1h }}\n")
        else:
            out.append(f"  flow s{i} -> s{i + 1}\n")
    out.append("}\n")
    return "".join(out)


def diamond(n):
    d = max(1, n // 4)
    out = [HEADER.format(shape="diamond", n=n)]
    out.append("  context { f0: text  f1: text  brief: summary }\n")
    out.append("  trigger start: webhook \"/start\" { provides f0, f1 }\n")
    for i in range(d):
        provides = " provides brief" if i == 0 else ""
        out.append(f"  step d{i} {{ owner bot needs f0{provides} }}\n")
        out.append(f"  step l{i} {{ owner bot needs f1 }}\n")
        out.append(f"  step r{i} {{ owner desk needs f0, brief }}\n")
        out.append(f"  step j{i} {{ owner bot needs f0 }}\n")
    out.append("  flow start -> d0\n")
    for i in range(d):
        out.append(f"  flow d{i} -> l{i} when f1 == \"left\"\n")
        out.append(f"  handoff d{i} -> r{i} otherwise {{ carries f0, f1, brief  sla 30m }}\n")
        out.append(f"  flow l{i} -> j{i}\n")
        out.append(f"  handoff r{i} -> j{i} {{ carries f0, f1, brief }}\n")
        if i + 1 < d:
            out.append(f"  flow j{i} -> d{i + 1}\n")
    out.append("}\n")
    return "".join(out)


def fanout(n):
    out = [HEADER.format(shape="fanout", n=n)]
    out.append("  context { f0: text }\n")
    out.append("  trigger start: webhook \"/start\" { provides f0 }\n")
    out.append("  step root { owner bot needs f0 }\n")
    for i in range(n - 1):
        out.append(f"  step leaf{i} {{ owner bot needs f0 }}\n")
    out.append("  flow start -> root\n")
    for i in range(n - 1):
        out.append(f"  flow root -> leaf{i}\n")
    out.append("}\n")
    return "".join(out)


def fields(n):
    total, window = 500, 40
    out = [HEADER.format(shape="fields", n=n)]
    out.append("  context {\n" + "".join(f"    f{k}: text\n" for k in range(total)) + "    brief: summary\n  }\n")
    first = [f"f{k}" for k in range(window)]
    out.append(f"  trigger start: webhook \"/start\" {{ provides {', '.join(first)} }}\n")

    def win(i):
        return [f"f{(i * 7 + k) % total}" for k in range(window)]

    for i in range(n):
        owner = "bot" if (i // 5) % 2 == 0 else "desk"
        needs = first[:5] if i == 0 else win(i - 1)[:5]
        provides = win(i) + (["brief"] if i == 0 else [])
        out.append(
            f"  step s{i} {{ owner {owner} needs {', '.join(needs)} provides {', '.join(provides)} }}\n"
        )
    out.append("  flow start -> s0\n")
    for i in range(n - 1):
        if (i + 1) % 5 == 0:
            carried = ", ".join(win(i) + ["brief"])
            out.append(f"  handoff s{i} -> s{i + 1} {{ carries {carried}  sla 1h }}\n")
        else:
            out.append(f"  flow s{i} -> s{i + 1}\n")
    out.append("}\n")
    return "".join(out)


def twoway(n):
    total = max(1, min(n // 2, 4000))
    out = [HEADER.format(shape="twoway", n=n)]
    out.append("  context {\n" + "".join(f"    f{k}: text\n" for k in range(total)) + "  }\n")
    out.append("  trigger start: webhook \"/start\"\n")
    last = n - 1
    for i in range(last):
        out.append(f"  step s{i} {{ owner bot provides f{i % total} }}\n")
    out.append(f"  step s{last} {{ owner desk provides f{last % total} }}\n")
    out.append("  step done { owner desk }\n")
    out.append("  flow start -> s0\n")
    for i in range(last):
        cond = "" if i == 0 else f" when f{i % total} == \"on\""
        if i + 1 == last:
            out.append(f"  handoff s{i} -> s{last}{cond} {{ carries f{i % total}  sla 1h }}\n")
        else:
            out.append(f"  flow s{i} -> s{i + 1}{cond}\n")
        if i > 0:
            out.append(f"  flow s{i} -> s{i - 1} otherwise\n")
    out.append(f"  handoff s{last} -> s{last - 1} when f{last % total} == \"on\" {{ carries f{last % total}  sla 1h }}\n")
    out.append(f"  flow s{last} -> done otherwise\n")
    out.append("}\n")
    return "".join(out)


def routing(n):
    width = 50
    routers = max(1, n // (width + 1))
    out = [HEADER.format(shape="routing", n=n)]
    out.append(
        "  context { amount: number  price: money  risk: enum(low, medium, high)  vip: bool  country: text }\n"
    )
    out.append("  trigger start: webhook \"/start\" { provides amount, price, risk, vip, country }\n")

    def cond(k):
        # Exclusive by `amount` bucket (so the workflow is clean: no W505), each with a second
        # part over another field that always holds, written with `and`, `or`, `not` and `in`,
        # so the routing analysis has five fields and every connective to decide.
        if k == 0:
            base = "amount < 10"
        elif k == width - 1:
            base = f"amount >= {k * 10}"
        else:
            base = f"amount >= {k * 10} and amount < {(k + 1) * 10}"
        extra = [
            "(vip or not vip)",
            "risk in [low, medium, high]",
            f"not (price < {k} and price >= {k})",
            f"(country == \"c{k}\" or country != \"c{k}\")",
            "(risk == low or not (risk == low))",
        ][k % 5]
        return f"{base} and {extra}"

    for r in range(routers):
        out.append(f"  step r{r} {{ owner bot needs amount, price, risk, vip, country }}\n")
        for k in range(width):
            out.append(f"  step r{r}_{k} {{ owner bot needs amount }}\n")
    out.append("  step done { owner bot }\n")
    out.append("  flow start -> r0\n")
    for r in range(routers):
        for k in range(width):
            out.append(f"  flow r{r} -> r{r}_{k} when {cond(k)}\n")
        nxt = f"r{r + 1}" if r + 1 < routers else "done"
        out.append(f"  flow r{r} -> {nxt} otherwise\n")
    out.append("}\n")
    return "".join(out)


SHAPES = {
    "chain": chain,
    "diamond": diamond,
    "fanout": fanout,
    "fields": fields,
    "twoway": twoway,
    "routing": routing,
}


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    out_dir = sys.argv[1]
    sizes = [int(s) for s in sys.argv[2:]] or [1000, 10000, 100000]
    os.makedirs(out_dir, exist_ok=True)
    for shape, make in SHAPES.items():
        for n in sizes:
            path = os.path.join(out_dir, f"{shape}_{n}.handoff")
            with open(path, "w") as f:
                f.write(make(n))
            print(path)


if __name__ == "__main__":
    main()
