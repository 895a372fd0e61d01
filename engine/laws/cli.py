"""`scientia discover DATA.csv --target y [--budget S] [--noise R] [--units C=U,...]`: read a numeric CSV (a header
row, then one row per observation), search for a law for the target column and print it."""
import argparse
import csv
import sys

from .discover import TableError, discover


class CSVError(ValueError):
    """A CSV file that cannot be read as a numeric table; the message names file:line."""


def read_csv(path):
    """A dict of float columns from a CSV file with a header row."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            try:
                header = next(reader)
            except StopIteration:
                raise CSVError(f"{path}:1: the file is empty") from None
            header = [h.strip() for h in header]
            if not all(header) or len(set(header)) != len(header):
                raise CSVError(f"{path}:1: the header needs distinct, non-empty column names")
            cols = {h: [] for h in header}
            for row in reader:
                line = reader.line_num
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) != len(header):
                    raise CSVError(f"{path}:{line}: {len(row)} cells, the header has {len(header)}")
                for name, cell in zip(header, row):
                    try:
                        cols[name].append(float(cell))
                    except ValueError:
                        raise CSVError(f"{path}:{line}: column {name!r}: {cell.strip()!r} is not a number") from None
    except OSError as e:
        raise CSVError(f"{path}:0: cannot read the file ({e.strerror})") from None
    except (csv.Error, UnicodeDecodeError) as e:
        raise CSVError(f"{path}:{getattr(reader, 'line_num', 0)}: not a readable CSV file ({e})") from None
    return cols


def parse_units(specs):
    """{column: unit string} from "COL=UNIT" items separated by commas."""
    units = {}
    for spec in specs:
        for item in spec.split(","):
            if not item.strip():
                continue
            name, sep, unit = item.partition("=")
            if not sep or not name.strip():
                raise ValueError(f"--units: expected COL=UNIT, got {item.strip()!r}")
            units[name.strip()] = unit.strip()
    return units


def main(argv=None):
    parser = argparse.ArgumentParser(prog="scientia discover",
                                     description="Discover a formula for one column of a CSV file.")
    parser.add_argument("data", help="CSV file with a header row and numeric columns")
    parser.add_argument("--target", required=True, help="the column to explain")
    parser.add_argument("--budget", type=float, default=10.0, help="search time in seconds (default 10)")
    parser.add_argument("--noise", type=float, default=None, help="relative noise level of the target")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tell", metavar="KB", help="append the law, with its provenance, to this KB file")
    parser.add_argument("--name", help="the law's name in the KB (with --tell; default: the target)")
    parser.add_argument("--units", action="append", default=[], metavar="COL=UNIT,...",
                        help='units of the columns, e.g. "m=kg, v=m/s, E=kg*m^2/s^2" (all columns, '
                             "the target included); enables dimensional analysis")
    args = parser.parse_args(argv)
    try:
        units = parse_units(args.units)
        cols = read_csv(args.data)
        law = discover(cols, args.target, budget_s=args.budget, noise=args.noise, seed=args.seed,
                       units=units or None)
    except (CSVError, TableError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"law: {args.target} = {law.expression}")
    print(f"status: {law.status}")
    print(f"max relative error: {law.max_rel_error:.3g}")
    print(f"rms relative error: {law.rms_rel_error:.3g}")
    print(f"description length: {law.description_length} {law.unit}")
    print(f"candidates evaluated: {law.evaluated} in {law.seconds:.1f} s")
    if law.status != "exact" and law.pareto:
        print("pareto front (complexity, rms relative error, expression):")
        for cx, rms, expr in law.pareto:
            print(f"  {cx:3d}  {rms:.3g}  {expr}")
    if args.tell:
        from .tell import append_law
        return append_law(law, args.name or args.target, args.data, args.target, args.tell)
    return 0
