"""`aezoo info`: a preset's card data: what it is, its recipe, its measured metrics."""

import json


def run(args):
    from zoo import hub

    info = hub.preset_info(args.preset)
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    shape = "x".join(str(d) for d in info["input_shape"])
    print(f"{info['name']}: {info['variant']} on the {info['backbone']} backbone, input {shape}"
          + (f", latent {info['latent_dim']}" if info.get("latent_dim") else ""))
    print(f"  data:      {info['dataset']} (trained on the train split, measured on the test "
          f"split; preprocessing: {info['preprocessing']})")
    print(f"  file:      saved_models/{info['file']} ({info['bytes']:,} bytes, "
          f"{info['parameters']:,} parameters)")
    print(f"  sha256:    {info['sha256']}")
    print(f"  recipe:    {info['recipe']}")
    print(f"  card:      saved_models/{info['card']}")
    print("  metrics (test split):")
    for key, value in info["metrics"].items():
        if isinstance(value, list):
            continue
        text = f"{value:.4g}" if isinstance(value, float) else str(value)
        print(f"    {key:<24} {text}")
    return 0


def add_parser(subparsers):
    p = subparsers.add_parser("info", help="show a preset's data, recipe and measured metrics")
    p.add_argument("preset", help="preset name, see `aezoo list`")
    p.add_argument("--json", action="store_true", help="print the manifest entry as JSON")
    p.set_defaults(run=run)
