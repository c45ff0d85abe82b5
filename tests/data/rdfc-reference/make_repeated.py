"""Writes the inputs of repeated-entries.json (outputs come from refgen.cjs, not from mcvc).

Two hubs, each relating four spokes of equal first degree through one predicate, some
spokes once and some twice (in two named graphs), each spoke heading a chain of 1-4 blank
nodes: Hash N-Degree Quads then meets related-node lists with repeated entries.
"""

import json
import random
import sys


def graph(rng: random.Random) -> str:
    p = f"<http://ex/p{rng.randrange(50)}>"
    lines = []
    for hub in ("h", "k"):
        mult = [rng.randint(1, 2) for _ in range(4)]
        lens = rng.sample([1, 2, 3, 4], 4)
        for spoke, length, times in zip("wxyz", lens, mult, strict=True):
            s = f"{hub}{spoke}"
            lines += [f"_:{hub} {p} _:{s} <http://ex/g{g}> ." for g in range(times)]
            lines += [f"_:{hub}pad {p} _:{s} <http://ex/g{g}> ." for g in range(times, 2)]
            prev = s
            for j in range(length):
                lines.append(f"_:{prev} {p} _:{s}c{j} .")
                prev = f"{s}c{j}"
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    rng = random.Random(3)
    inputs = [{"seed": i, "nquads": graph(rng)} for i in range(300)]
    # kept: the seeds listed in repeated-entries.json (where a walk over every distinct
    # ordering would choose another path, and the first 15 where it would not)
    keep = {int(s) for s in sys.argv[1:]}
    json.dump([c for c in inputs if c["seed"] in keep], sys.stdout)
