"""A smooth surrogate of a table: a small MLP fitted to y(x), used by law discovery
(engine.laws.decompose) to read off partial derivatives, where the raw rows cannot be probed.

Plain lists in, plain lists out; torch stays inside this module. Inputs are standardised (positive columns as log x); the
target is fitted as log|y| when y keeps one sign (`log_target`), else standardised."""
import math
import time

import torch


class Surrogate:
    def __init__(self, net, mean, std, ymean, ystd, log_target, fit_rms, log_inputs, sign=1):
        self.sign = sign             # the sign of y, when log_target
        self.net, self.mean, self.std, self.log_inputs = net, mean, std, log_inputs
        self.ymean, self.ystd, self.log_target = ymean, ystd, log_target
        self.fit_rms = fit_rms       # RMS error of the fit, in units of the target's spread

    def _inputs(self, rows):
        x = torch.tensor(rows, dtype=torch.float64)
        x = torch.where(self.log_inputs, torch.log(x.abs().clamp_min(1e-300)), x)
        return (x - self.mean) / self.std

    def predict(self, rows):
        """The fitted target (log|y| when log_target) at each row."""
        with torch.no_grad():
            out = self.net(self._inputs(rows).float()).double().squeeze(1) * self.ystd + self.ymean
        return out.tolist()

    def gradients(self, rows):
        """Per row, the gradient of the fitted target (log|y| when log_target) in the raw inputs."""
        x = self._inputs(rows).float().requires_grad_(True)
        out = self.net(x).sum()
        (g,) = torch.autograd.grad(out, x)
        g = g.double() * self.ystd / self.std
        raw = torch.tensor(rows, dtype=torch.float64)
        g = torch.where(self.log_inputs, g / raw, g)
        return g.tolist()


def fit(rows, y, seconds=4.0, seed=0, hidden=64, steps=4000, lr=1e-2):
    """A Surrogate for y over the input rows (lists of floats); stops at `seconds`."""
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    start = time.monotonic()
    log_target = all(v > 0 for v in y) or all(v < 0 for v in y)
    t = [math.log(abs(v)) for v in y] if log_target else list(y)
    x = torch.tensor(rows, dtype=torch.float64)
    log_inputs = (x > 0).all(0)
    x = torch.where(log_inputs, torch.log(x.abs().clamp_min(1e-300)), x)
    mean, std = x.mean(0), x.std(0).clamp_min(1e-12)
    tt = torch.tensor(t, dtype=torch.float64)
    ymean, ystd = tt.mean(), tt.std().clamp_min(1e-12)
    xs = ((x - mean) / std).float()
    ts = ((tt - ymean) / ystd).float().unsqueeze(1)
    net = torch.nn.Sequential(
        torch.nn.Linear(x.shape[1], hidden), torch.nn.Tanh(),
        torch.nn.Linear(hidden, hidden), torch.nn.Tanh(),
        torch.nn.Linear(hidden, hidden), torch.nn.Tanh(),
        torch.nn.Linear(hidden, 1))
    opt = torch.optim.Adam(net.parameters(), lr=lr)

    def step():
        opt.zero_grad()
        loss = torch.mean((net(xs) - ts) ** 2)
        loss.backward()
        opt.step()

    for _ in range(5):           # warm-up (the first steps in a process are slow)
        step()
    t0 = time.monotonic()
    for _ in range(15):          # timing one step
        step()
    per_step = (time.monotonic() - t0) / 15
    total = max(50, min(steps, int((seconds - (time.monotonic() - start)) / per_step)))
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, total)
    for _ in range(total):      # the learning rate anneals to 0 within the time given
        step()
        sched.step()
    with torch.no_grad():
        rms = float(torch.sqrt(torch.mean((net(xs) - ts) ** 2)))
    return Surrogate(net, mean, std, float(ymean), float(ystd), log_target, rms, log_inputs,
                     1 if y[0] > 0 else -1)
