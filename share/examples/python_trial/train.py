#!/usr/bin/python3
"""Trains one NAS-Bench-201 cell, as automl's command evaluator hands it over.

Reads trial.json (its path is in AUTOML_TRIAL_FILE), builds the cell from
the NAS-Bench-201 string in "architecture", trains a small network of it on
Fashion-MNIST for a few hundred steps and writes result.json (path in
AUTOML_RESULT_FILE) with the validation accuracy. Needs Debian's
python3-torch and dataset-fashion-mnist; run it with /usr/bin/python3.

    --steps N         training steps (default 200)
    --channels C      channels of the cell (default 8)
    --valid N         validation images, the last N of the training file (default 1000)
"""
import argparse
import gzip
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def parse_nb201(text):
    """'|op~0|+|op~0|op~1|+|op~0|op~1|op~2|' -> [(to, from, op), ...]."""
    edges = []
    for to, node in enumerate(text.split("+"), start=1):
        for item in filter(None, node.split("|")):
            op, frm = item.rsplit("~", 1)
            edges.append((to, int(frm), op))
    return edges


class ReluConvBn(nn.Sequential):
    def __init__(self, c, k):
        super().__init__(nn.ReLU(), nn.Conv2d(c, c, k, padding=k // 2, bias=False), nn.BatchNorm2d(c))


def make_op(op, c):
    if op == "nor_conv_3x3":
        return ReluConvBn(c, 3)
    if op == "nor_conv_1x1":
        return ReluConvBn(c, 1)
    if op == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    if op == "skip_connect":
        return nn.Identity()
    if op == "none":
        return None
    raise ValueError("unknown NAS-Bench-201 operation " + op)


class Cell(nn.Module):
    def __init__(self, edges, c):
        super().__init__()
        self.edges = [(to, frm) for to, frm, _ in edges]
        self.ops = nn.ModuleList([make_op(op, c) or nn.Identity() for _, _, op in edges])
        self.live = [op != "none" for _, _, op in edges]

    def forward(self, x):
        nodes = [x]
        for to in (1, 2, 3):
            s = 0
            for (t, frm), op, live in zip(self.edges, self.ops, self.live):
                if t == to and live:
                    s = s + op(nodes[frm])
            nodes.append(s if torch.is_tensor(s) else torch.zeros_like(x))
        return nodes[3]


class Net(nn.Module):
    def __init__(self, edges, c, classes):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))
        self.cell1, self.cell2 = Cell(edges, c), Cell(edges, 2 * c)
        self.reduce = nn.Sequential(nn.ReLU(), nn.Conv2d(c, 2 * c, 3, stride=2, padding=1, bias=False),
                                    nn.BatchNorm2d(2 * c))
        self.head = nn.Linear(2 * c, classes)

    def forward(self, x):
        x = self.cell2(self.reduce(self.cell1(self.stem(x))))
        return self.head(F.adaptive_avg_pool2d(F.relu(x), 1).flatten(1))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--channels", type=int, default=8)
    p.add_argument("--valid", type=int, default=1000)
    args = p.parse_args()

    trial = json.load(open(os.environ["AUTOML_TRIAL_FILE"]))
    torch.manual_seed(trial["seed"] % (2 ** 63))
    torch.set_num_threads(trial["threads"])
    rng = np.random.default_rng(trial["seed"])

    images = read_idx(os.path.join(DATA, "train-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(DATA, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    x = (x - 0.286) / 0.353
    y = torch.from_numpy(labels)
    train_x, train_y = x[:-args.valid], y[:-args.valid]
    valid_x, valid_y = x[-args.valid:], y[-args.valid:]

    edges = parse_nb201(trial["architecture"])
    net = Net(edges, args.channels, 10)
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, args.steps)
    net.train()
    for step in range(args.steps):
        idx = torch.from_numpy(rng.integers(0, len(train_x), 64))
        loss = F.cross_entropy(net(train_x[idx]), train_y[idx])
        if not math.isfinite(loss.item()):
            print("loss is %s at step %d" % (loss.item(), step), file=sys.stderr)
            sys.exit(1)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 50 == 0:
            print("step %d loss %.4f" % (step, loss.item()), flush=True)

    net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(valid_x), 500):
            correct += (net(valid_x[i:i + 500]).argmax(1) == valid_y[i:i + 500]).sum().item()
    metrics = {"valid_acc": 100.0 * correct / len(valid_x),
               "params": sum(p.numel() for p in net.parameters()),
               "train_loss": loss.item()}
    tmp = trial["result_file"] + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"metrics": metrics}, f)
    os.replace(tmp, trial["result_file"])
    print("valid_acc %.2f" % metrics["valid_acc"])


if __name__ == "__main__":
    main()
