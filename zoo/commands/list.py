"""`aezoo list`: variants, backbones, datasets and presets."""


def run(args):
    from zoo import quiet

    quiet.import_tensorflow()
    import zoo
    from zoo import datasets

    print("variants: ", ", ".join(zoo.list_models()))
    print("backbones:", ", ".join(zoo.list_backbones()))
    print("datasets: ", ", ".join(datasets.list_datasets()))
    try:
        presets = zoo.list_presets()
    except (ImportError, FileNotFoundError):
        presets = []
    print("presets:  ", ", ".join(presets) if presets else "(none)")


def add_parser(subparsers):
    p = subparsers.add_parser("list", help="list variants, backbones, datasets and presets")
    p.set_defaults(run=run)
