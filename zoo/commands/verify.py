"""`aezoo verify`: re-check an export's hashes and parity in each runtime."""


def run(args):
    import export

    print(f"verifying {args.dir}")
    report = export.verify(args.dir, progress=print)
    if report.skipped:
        print(f"skipped {len(report.skipped)} artifacts: "
              f"{sorted(set(report.skipped.values()))[0]}")
    failed = [name for name, result in report.parity.items() if not result["worst"]["passed"]]
    if failed:
        print(f"aezoo verify: {len(failed)} artifacts out of tolerance: {', '.join(failed)}")
        return 1
    print(f"{len(report.parity)} artifacts within tolerance")
    return 0


def add_parser(subparsers):
    p = subparsers.add_parser("verify", help="re-check an export folder (hashes, parity)")
    p.add_argument("dir", metavar="DIR", help="folder written by `aezoo export`")
    p.set_defaults(run=run)
