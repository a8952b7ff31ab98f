#!/usr/bin/env python3
"""Writes a workflow of N steps (default 1,000) to stdout: three owners, a handoff every third
step, an escalation every tenth, so that its Mermaid diagram is above Mermaid's default limits
and `handoff doc` must split it. Used by tests/docs/render.sh and tests/docs_output.rs."""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
out = ["workflow large {", "  owner lead", "  actor lead: human { title \"Lead\" }",
       "  actor bot: ai { can crm.write }", "  actor ops: team { fallback lead }",
       "  context { item: text  note: summary }",
       "  trigger start: manual { provides item }"]
owners = ["bot", "ops", "lead"]
for i in range(n):
    owner = owners[(i // 3) % 3]
    body = [f"    title \"Step number {i} of the large workflow\"", f"    owner {owner}", "    needs item"]
    if i % 10 == 5:
        body.append("    escalate to lead when attempts > 3 { carries item sla 1h }")
    out.append(f"  step s{i} {{")
    out += body
    out.append("  }")
out.append("  flow start -> s0")
for i in range(n - 1):
    a, b = owners[(i // 3) % 3], owners[((i + 1) // 3) % 3]
    if a == b:
        out.append(f"  flow s{i} -> s{i + 1}")
    else:
        out.append(f"  handoff s{i} -> s{i + 1} {{ carries item sla 2h }}")
out.append("}")
print("\n".join(out))
