#!/usr/bin/python3
"""Eager-PyTorch timing of the PTB language models of the NAO reference
(§1.4, §4.11), written the way its DARTS-derived code runs them: a Python
loop over time steps and over the 11 nodes, one matrix product per node,
masks per sequence, tied decoder. Same sizes and steps as bench_lm, for a
side-by-side comparison. Needs Debian's python3-torch.
  /usr/bin/python3 bench/lm_pytorch.py [threads] [steps] [size] [batch]
"""
import random, sys, time
import torch, torch.nn as nn, torch.nn.functional as F

NAONET_PTB = [int(v) for v in "0 1 1 1 2 2 1 2 4 1 4 1 4 1 7 1 8 2 1 0 4 1".split()]
ACTS = [torch.tanh, torch.relu, torch.sigmoid, lambda x: x]
BPTT, VOCAB = 35, 10000


def mask(shape, p):
    return torch.empty(shape).bernoulli_(1 - p) / (1 - p)


class Cell(nn.Module):
    def __init__(self, h, supernet):
        super().__init__()
        self.h, self.supernet = h, supernet
        self.w0 = nn.Parameter(torch.empty(2 * h, 2 * h).uniform_(-0.04, 0.04))
        rows = lambda i: 4 * (i + 1) * h if supernet else h
        self.ws = nn.ParameterList([nn.Parameter(torch.empty(rows(i), 2 * h).uniform_(-0.04, 0.04)) for i in range(11)])

    def forward(self, x, hidden, arch):
        h = self.h
        xm, hm = (mask(x.shape[1:], 0.75), mask(hidden.shape, 0.25)) if self.training else (None, None)
        outs = []
        for t in range(x.size(0)):
            xt = x[t] * xm if xm is not None else x[t]
            hp = hidden * hm if hm is not None else hidden
            c0, h0 = torch.split(torch.cat([xt, hp], -1).mm(self.w0), h, -1)
            states = [hidden + c0.sigmoid() * (h0.tanh() - hidden)]
            for i in range(11):
                pred, act = arch[2 * i], arch[2 * i + 1]
                w = self.ws[i][(4 * pred + act) * h:(4 * pred + act + 1) * h] if self.supernet else self.ws[i]
                s = states[pred]
                c, hh = torch.split((s * hm if hm is not None else s).mm(w), h, -1)
                states.append(s + c.sigmoid() * (ACTS[act](hh) - s))
            hidden = torch.mean(torch.stack(states if self.supernet else states[1:], -1), -1)
            outs.append(hidden)
        return torch.stack(outs), hidden


class Model(nn.Module):
    def __init__(self, h, supernet):
        super().__init__()
        self.encoder = nn.Embedding(VOCAB, h)
        self.cell = Cell(h, supernet)
        self.decoder = nn.Linear(h, VOCAB)
        self.decoder.weight = self.encoder.weight
        self.encoder.weight.data.uniform_(-0.1, 0.1)
        self.decoder.bias.data.zero_()

    def forward(self, tokens, hidden, arch):
        emb = self.encoder(tokens)
        if self.training:
            emb = emb * mask((1,) + emb.shape[1:], 0.2)
        raw, hidden = self.cell(emb, hidden, arch)
        out = raw * mask((1,) + raw.shape[1:], 0.75) if self.training else raw
        return self.decoder(out.view(-1, out.size(2))), hidden, raw


def random_arch():
    return [v for i in range(11) for v in (random.randint(0, i), random.randint(0, 3))]


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    size = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    batch = int(sys.argv[4]) if len(sys.argv) > 4 else 256
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    random.seed(1)
    tokens = torch.randint(0, VOCAB, (BPTT + 1, batch))

    def train_rate(model, supernet, clip, lr):
        sgd = torch.optim.SGD(model.parameters(), lr=lr, weight_decay=5e-7)
        model.train()
        hidden = torch.zeros(batch, size)

        def step(hidden):
            arch = random_arch() if supernet else NAONET_PTB
            sgd.zero_grad()
            logits, hidden, raw = model(tokens[:BPTT], hidden, arch)
            loss = F.cross_entropy(logits, tokens[1:].reshape(-1))
            loss = loss + 1e-3 * (raw[1:] - raw[:-1]).pow(2).mean()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), clip)
            sgd.step()
            return hidden.detach()

        hidden = step(hidden)
        start = time.perf_counter()
        for _ in range(steps):
            hidden = step(hidden)
        return steps * BPTT * batch / (time.perf_counter() - start)

    supernet = Model(size, True)
    ws_train = train_rate(supernet, True, 10, 0.25)
    supernet.eval()

    def score():
        with torch.no_grad():
            logits, _, _ = supernet(tokens[:BPTT], torch.zeros(batch, size), random_arch())
            F.cross_entropy(logits, tokens[1:].reshape(-1)).item()

    score()
    start = time.perf_counter()
    for _ in range(steps):
        score()
    ws_score = steps * BPTT * batch / (time.perf_counter() - start)
    fixed_train = train_rate(Model(size, False), False, 0.25, 20)
    print(f"pytorch LM size={size} batch={batch} bptt={BPTT} vocab={VOCAB} threads={threads}: supernet train "
          f"{ws_train:.0f} tokens/s, supernet score {ws_score:.0f} tokens/s, naonet_ptb train {fixed_train:.0f} tokens/s")


if __name__ == "__main__":
    main()
