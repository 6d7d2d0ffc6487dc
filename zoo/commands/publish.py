"""`aezoo publish`: write a preset folder that anyone can load by path or URL.

The folder (`zoo.hub.folder`) holds `model.keras`, `preset.json` (shapes,
recipe, metrics, the sha256 and size of every file), `card.md` and
`figure.png`. Serve it with any static file server; `zoo.load(URL)` then
downloads it once into the cache, verifies it and loads it offline after.

Examples:
    aezoo publish ae_conv_mnist --out www/ae_conv_mnist
    aezoo publish tuned.keras --out www/my_ae --name my_ae
    python -m http.server --bind 127.0.0.1 8000 --directory www
    python -c "import zoo; zoo.load('http://127.0.0.1:8000/ae_conv_mnist')"
"""

import os


def _source(target):
    """`(model, metadata, card, figure)` for a preset name, a preset folder or a .keras file."""
    from zoo import hub
    from zoo.hub import folder

    if target in hub.list_presets():
        info = hub.preset_info(target)
        root = hub.saved_models_dir()
        metadata = {key: info.get(key) for key in ("variant", "backbone", "recipe", "metrics",
                                                   "dataset", "preprocessing")}
        return (hub.load(target), {**metadata, "name": target},
                os.path.join(root, info["card"]), os.path.join(root, info["figure"]))
    if os.path.isdir(target):
        preset = folder.read_preset(target)
        metadata = {key: preset.get(key) for key in ("name", "variant", "backbone", "recipe",
                                                     "metrics", "dataset", "preprocessing")}
        files = preset["files"]
        card = os.path.join(target, folder.CARD_FILE) if folder.CARD_FILE in files else None
        figure = (os.path.join(target, folder.FIGURE_FILE) if folder.FIGURE_FILE in files
                  else None)
        return hub.load(target), metadata, card, figure
    if not target.endswith(".keras") and "://" not in target:
        raise ValueError("aezoo publish expects a preset name (aezoo list), a .keras file, a "
                         f"preset folder or a preset URL. Received: {target!r}")
    return hub.load(target), {}, None, None


def run(args):
    from zoo import atomic
    from zoo.hub import folder

    atomic.check_writable_target(args.out, args.overwrite)  # before loading anything
    model, metadata, card, figure = _source(args.target)
    name = args.name or metadata.pop("name", None) or os.path.basename(
        os.path.abspath(args.out))
    metadata.pop("name", None)
    preset = folder.save_preset(model, args.out, name=name, card=card, figure=figure,
                                overwrite=args.overwrite, **metadata)
    print(f"wrote preset folder {preset['folder']} ({name}):")
    for file_name, entry in preset["files"].items():
        print(f"  {file_name:<12} {entry['bytes']:>10,} bytes  sha256 {entry['sha256']}")
    print(f"  preset.json  sha256 {preset['sha256']}  (pins the whole folder)")
    print("serve the folder's parent with any static file server, then:")
    print(f'  zoo.load("https://HOST/PATH/{os.path.basename(preset["folder"])}", '
          f'sha256="{preset["sha256"]}")')
    return 0


def add_parser(subparsers):
    p = subparsers.add_parser(
        "publish", help="write a preset folder (model, preset.json with sha256, card, figure)")
    p.add_argument("target", metavar="MODEL_OR_PRESET",
                   help="preset name (aezoo list), .keras file, preset folder or preset URL")
    p.add_argument("--out", required=True, metavar="FOLDER", help="preset folder to create")
    p.add_argument("--name", default=None,
                   help="preset name (default: the preset's, else the folder's name)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing folder")
    p.set_defaults(run=run)
