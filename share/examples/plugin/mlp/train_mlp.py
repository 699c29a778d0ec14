#!/usr/bin/python3
"""Trains one MLP of the mlp search space, as automl's command evaluator hands it over.

Reads trial.json (path in AUTOML_TRIAL_FILE): its "genes" hold, per layer,
a width ("none" ends the network) and an activation. Trains the MLP on
Fashion-MNIST (Debian's dataset-fashion-mnist) with Adam for a few hundred
steps and writes result.json with the validation accuracy, the parameter
count and one validation accuracy per 100 steps as the curve. Needs Debian's
python3-torch; run it with /usr/bin/python3.

    --steps N    training steps (default 300)
    --valid N    validation images, the last N of the training file (default 2000)
"""
import argparse
import gzip
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU}


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def build(genes, inputs, classes):
    """genes alternate width and activation decisions, as the space declares them."""
    layers, width = [], inputs
    for size, activation in zip(genes[0::2], genes[1::2]):
        if size["choice"] == "none":
            break
        layers += [nn.Linear(width, int(size["choice"])), ACTIVATIONS[activation["choice"]]()]
        width = int(size["choice"])
    return nn.Sequential(nn.Flatten(), *layers, nn.Linear(width, classes))


def accuracy(net, x, y):
    net.eval()
    with torch.no_grad():
        correct = sum((net(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item() for i in range(0, len(x), 1000))
    net.train()
    return 100.0 * correct / len(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--valid", type=int, default=2000)
    args = p.parse_args()

    trial = json.load(open(os.environ["AUTOML_TRIAL_FILE"]))
    torch.manual_seed(trial["seed"] % (2 ** 63))
    torch.set_num_threads(trial["threads"])
    rng = np.random.default_rng(trial["seed"])

    x = torch.from_numpy(read_idx(os.path.join(DATA, "train-images-idx3-ubyte.gz")).astype(np.float32) / 255.0)
    y = torch.from_numpy(read_idx(os.path.join(DATA, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    x = (x - 0.286) / 0.353
    train_x, train_y, valid_x, valid_y = x[:-args.valid], y[:-args.valid], x[-args.valid:], y[-args.valid:]

    net = build(trial["genes"], 28 * 28, 10)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    curve = []
    for step in range(1, args.steps + 1):
        idx = torch.from_numpy(rng.integers(0, len(train_x), 128))
        loss = F.cross_entropy(net(train_x[idx]), train_y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 100 == 0 or step == args.steps:
            curve.append({"step": step, "valid_acc": accuracy(net, valid_x, valid_y), "train_loss": loss.item()})
            print("step %d loss %.4f valid_acc %.2f" % (step, loss.item(), curve[-1]["valid_acc"]), flush=True)

    result = {"metrics": {"valid_acc": curve[-1]["valid_acc"], "params": sum(p.numel() for p in net.parameters())},
              "curve": curve}
    tmp = trial["result_file"] + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f)
    os.replace(tmp, trial["result_file"])


if __name__ == "__main__":
    main()
