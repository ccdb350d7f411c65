#!/usr/bin/env python3
"""Herbereken de loting van het IMVO-subsidieportaal / recompute the IMVO portal's lottery (Artikel 4, II.3.2, III.3.2).

Alleen de standaardbibliotheek van Python 3 / the Python 3 standard library only.

    python3 herbereken-loting.py --seed SEED --commitment HEX --checkpoint dag.json REF [REF ...]

--checkpoint: het bestand log/days/<dag>.json van de site (het ondertekende checkpoint van het eind van die dag);
--commitment: de toezegging die vóór de openstelling is gepubliceerd. Het script controleert dat de seed bij de
toezegging past, en zet de referenties in de volgorde van de loting: oplopend op
SHA-256("<seed>:<wortel>:<referentie>"), met als wortel de root hash van het checkpoint, hexadecimaal.
Controleer de handtekening van het checkpoint zelf met de gepubliceerde sleutel (zie de verificatiepagina).
"""

import argparse
import base64
import hashlib
import json
import sys


def day_root(checkpoint_text: str) -> str:
    """The third line of a C2SP checkpoint is its root hash, base64; the draw uses it as hex."""
    return base64.b64decode(checkpoint_text.split("\n")[2]).hex()


def draw(seed: str, root: str, references: list[str]) -> list[tuple[str, str]]:
    keyed = [(hashlib.sha256(f"{seed}:{root}:{reference}".encode()).hexdigest(), reference) for reference in references]
    return sorted(keyed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", required=True)
    parser.add_argument("--commitment", required=True, help="SHA-256 (hex) van de seed, vooraf gepubliceerd")
    parser.add_argument("--checkpoint", required=True, help="log/days/<dag>.json")
    parser.add_argument("references", nargs="+")
    args = parser.parse_args()
    if hashlib.sha256(args.seed.encode()).hexdigest() != args.commitment.lower():
        print("De seed past NIET bij de toezegging / the seed does NOT match the commitment", file=sys.stderr)
        return 1
    with open(args.checkpoint, encoding="utf-8") as file:
        day = json.load(file)
    root = day_root(day["checkpoint"])
    print(f"dag / day {day['day']}: {day['treeSize']} ontvangstbewijzen / receipts, wortel / root {root}")
    for position, (key, reference) in enumerate(draw(args.seed, root, args.references), start=1):
        print(f"{position:>3}  {reference}  {key}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
