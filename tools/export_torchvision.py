#!/usr/bin/python3
"""Exports torchvision models' weights as TorchScript files that alchain loads by name.

    tools/export_torchvision.py resnet18 resnet50 -o weights/ --weights DEFAULT
    tools/export_torchvision.py mobilenet_v3_small -o weights/ --backbone --weights DEFAULT
    tools/export_torchvision.py resnet18 -o /tmp/w --seed 1       # random weights (tests)

Each MODEL becomes OUT/MODEL.pt (OUT/MODEL-backbone.pt with --backbone): torch.jit.script of
torchvision's own module, so its parameter and buffer names are torchvision's, and its forward()
is torchvision's (the agreement test runs it beside alchain's). In a pipeline:

    [[generation]]
    model = "resnet18"
    weights = "weights/resnet18.pt"                 # the whole classifier (1000 classes)

    [[generation]]
    model = "deeplabv3plus"
    model_params = { backbone = "resnet50" }
    weights = "weights/resnet50-backbone.pt"        # --backbone: without fc/classifier
    weights_into = "backbone"

--weights DEFAULT (or IMAGENET1K_V1, ...) takes torchvision's pretrained weights from its cache
(TORCH_HOME, ~/.cache/torch): this machine has no internet, so copy the .pth files there first.
Without --weights the weights are random (--seed), batch-norm statistics and affine parameters
included, so that a test comparing forwards sees every tensor.
"""
import argparse
import pathlib
import sys

MODELS = ("resnet18", "resnet34", "resnet50", "mobilenet_v3_small", "mobilenet_v3_large")


def randomize(model, seed):
    import torch
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)
            elif isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) * (2.0 / fan_in) ** 0.5)
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("models", nargs="+", metavar="MODEL", choices=MODELS, help=" | ".join(MODELS))
    ap.add_argument("-o", "--out", required=True, type=pathlib.Path, help="output folder")
    ap.add_argument("--weights", default=None,
                    help="torchvision's weights name (DEFAULT, IMAGENET1K_V1, ...); default: random")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random weights (default 0)")
    ap.add_argument("--backbone", action="store_true",
                    help="leave out the classifier (fc / classifier): for weights_into = \"backbone\"")
    args = ap.parse_args()
    try:
        import torch
        import torchvision
    except ImportError as e:
        sys.exit(f"export_torchvision: {e}; install python3-torchvision (bash scripts/install-deps.sh)")
    torch.manual_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.models:
        builder = getattr(torchvision.models, name)
        try:
            model = builder(weights=args.weights)
        except Exception as e:  # no network, no cached file, unknown weights name
            sys.exit(f"export_torchvision: {name} with weights {args.weights!r}: {e}")
        if args.weights is None:
            randomize(model, args.seed)
        if args.backbone:
            if hasattr(model, "fc"):
                model.fc = torch.nn.Identity()
            else:
                model.classifier = torch.nn.Identity()
        model.eval()
        path = args.out / (name + ("-backbone" if args.backbone else "") + ".pt")
        torch.jit.script(model).save(str(path))
        count = sum(p.numel() for p in model.parameters())
        print(f"{path}: {name}{' backbone' if args.backbone else ''}, {count:,} parameters, "
              f"weights {args.weights or f'random (seed {args.seed})'}")


if __name__ == "__main__":
    main()
