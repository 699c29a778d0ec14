#!/usr/bin/python3
"""Eager-PyTorch timing of the stand-alone NAONet of the NAO reference (§5):
the same construction as nasnet_cnn's builder (stem, 3N+2 cells, calibration,
FactorizedReduce, loose-end concatenation, aux head, drop-path), written the
way the reference's model.py runs it (NCHW, nn.Modules, Python loop), for a
side-by-side comparison with bench_nasnet_train. Needs Debian's python3-torch.
  /usr/bin/python3 bench/nasnet_train_pytorch.py LAYERS CHANNELS [threads] [steps]
"""
import resource, sys, time
import torch, torch.nn as nn, torch.nn.functional as F

NAONET_B = [int(v) for v in "0 1 0 2 0 1 2 2 1 3 0 2 4 0 1 3 2 1 0 3 1 1 1 0 2 1 2 4 1 0 2 3 3 1 2 2 0 2 0 2".split()]

def relu_conv_bn(cin, cout, k, s):
    return nn.Sequential(nn.ReLU(), nn.Conv2d(cin, cout, k, s, k // 2, bias=False), nn.BatchNorm2d(cout))

def sep_conv(c, k, s):
    return nn.Sequential(nn.ReLU(), nn.Conv2d(c, c, k, s, k // 2, groups=c, bias=False), nn.Conv2d(c, c, 1, bias=False),
                         nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, c, k, 1, k // 2, groups=c, bias=False),
                         nn.Conv2d(c, c, 1, bias=False), nn.BatchNorm2d(c))

class Reduce(nn.Module):  # FactorizedReduce
    def __init__(self, cin, cout):
        super().__init__()
        self.a = nn.Conv2d(cin, cout // 2, 1, 2, bias=False)
        self.b = nn.Conv2d(cin, cout - cout // 2, 1, 2, bias=False)
        self.bn = nn.BatchNorm2d(cout)
    def forward(self, x):
        return self.bn(torch.cat([self.a(x), self.b(F.pad(x, (0, 1, 0, 1))[:, :, 1:, 1:])], 1))

def make_op(op, c, s):
    if op == 0: return sep_conv(c, 3, s)
    if op == 1: return sep_conv(c, 5, s)
    if op == 2: return nn.AvgPool2d(3, s, 1, count_include_pad=False)
    if op == 3: return nn.MaxPool2d(3, s, 1)
    return nn.Identity() if s == 1 else Reduce(c, c)

def drop_path(x, keep):
    mask = torch.empty(x.size(0), 1, 1, 1).bernoulli_(keep)
    return x / keep * mask

class Cell(nn.Module):
    def __init__(self, genes, s0, s1, c, reduction, index, cells):
        super().__init__()
        self.genes, self.index, self.cells = genes, index, cells
        self.pre0 = (nn.Sequential(nn.ReLU(), Reduce(s0[0], c)) if s0[1] > s1[1]
                     else relu_conv_bn(s0[0], c, 1, 1) if s0[0] != c else nn.Identity())
        self.pre1 = relu_conv_bn(s1[0], c, 1, 1) if s1[0] != c else nn.Identity()
        used = [0] * 7
        self.ops = nn.ModuleList()
        for n in range(5):
            for b in range(2):
                i, op = genes[4 * n + 2 * b], genes[4 * n + 2 * b + 1]
                used[i] += 1
                self.ops.append(make_op(op, c, 2 if reduction and i < 2 else 1))
        self.loose = [i for i in range(7) if used[i] == 0]
        self.fix = nn.ModuleList([Reduce(c, c) if reduction and i < 2 else nn.Identity() for i in self.loose])
        self.out = (c * len(self.loose), (s1[1] + 1) // 2 if reduction else s1[1])
    def forward(self, s0, s1, keep, progress):
        states = [self.pre0(s0), self.pre1(s1)]
        k = 1 - (self.index + 1) / self.cells * (1 - keep)
        k = 1 - progress * (1 - k)
        for n in range(5):
            x = self.ops[2 * n](states[self.genes[4 * n]])
            y = self.ops[2 * n + 1](states[self.genes[4 * n + 2]])
            if self.training and k < 1: x, y = drop_path(x, k), drop_path(y, k)
            states.append(x + y)
        return torch.cat([f(states[i]) for f, i in zip(self.fix, self.loose)], 1)

class AuxHead(nn.Module):
    def __init__(self, c, classes):
        super().__init__()
        self.f = nn.Sequential(nn.ReLU(), nn.AvgPool2d(5, 3, 0, count_include_pad=False), nn.Conv2d(c, 128, 1, bias=False),
                               nn.BatchNorm2d(128), nn.ReLU(), nn.Conv2d(128, 768, 2, bias=False), nn.BatchNorm2d(768), nn.ReLU())
        self.fc = nn.Linear(768, classes)
    def forward(self, x):
        return self.fc(self.f(x).flatten(1))

class Network(nn.Module):
    def __init__(self, genes, n, f, classes=10, keep=0.8):
        super().__init__()
        self.keep, self.progress = keep, 1.0
        self.stem = nn.Sequential(nn.Conv2d(3, 3 * f, 3, 1, 1, bias=False), nn.BatchNorm2d(3 * f))
        s0 = s1 = (3 * f, 32)
        c, cells = f, 3 * n + 2
        self.cells = nn.ModuleList()
        for i in range(cells):
            red = i in (n, 2 * n + 1)
            c = c * 2 if red else c
            self.cells.append(Cell(genes[20:] if red else genes[:20], s0, s1, c, red, i, cells))
            s0, s1 = s1, self.cells[-1].out
            if i == 2 * n + 1: self.aux_index, self.aux = i, AuxHead(s1[0], classes)
        self.drop = nn.Dropout(0.4)
        self.fc = nn.Linear(s1[0], classes)
        for p in self.parameters():
            if p.dim() >= 2: nn.init.kaiming_normal_(p)
    def forward(self, x):
        s0 = s1 = self.stem(x)
        aux = None
        for i, cell in enumerate(self.cells):
            s0, s1 = s1, cell(s0, s1, self.keep, self.progress)
            if i == self.aux_index and self.training: aux = self.aux(s1)
        return self.fc(self.drop(F.adaptive_avg_pool2d(s1, 1).flatten(1))), aux

def main():
    n, f = int(sys.argv[1]), int(sys.argv[2])
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    steps = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = Network(NAONET_B, n, f)
    sgd = torch.optim.SGD(net.parameters(), 0.025, momentum=0.9, weight_decay=3e-4)
    x, y = torch.randn(64, 3, 32, 32), torch.randint(0, 10, (64,))
    net.train()
    def step(i):
        net.progress = (i + 1) / 1000
        sgd.zero_grad()
        logits, aux = net(x)
        loss = F.cross_entropy(logits, y) + 0.4 * F.cross_entropy(aux, y)
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        sgd.step()
    step(0)
    start = time.perf_counter()
    for i in range(1, steps + 1): step(i)
    sec = (time.perf_counter() - start) / steps
    params = sum(p.numel() for name, p in net.named_parameters() if not name.startswith("aux")) / 1e6
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"pytorch naonet_b N={n} F={f} threads={threads} params={params:.3f}M: {sec:.3f} s/step, "
          f"{64 / sec:.1f} images/s, peak RSS {rss:.0f} MiB")

main()
