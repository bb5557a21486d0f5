"""PyTorch's examples/mnist (CNN, Adadelta, StepLR) on the small settings of mnist.ts:
the same network and training logic, the first `train` training and `test` test
images. Prints test accuracy per seed and writes results/mnist.pytorch.json.
Run: /usr/bin/python3 examples/pytorch-ports/mnist.py [--seeds 5]"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from common import mnist_first, flags, run_seeds

S = flags({"train": 2000, "test": 1000, "epochs": 1, "batch": 64, "lr": 1.0, "gamma": 0.7, "seeds": 5})
torch.set_num_threads(1)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        return F.log_softmax(self.fc2(x), dim=1)


def run(seed):
    xtr, ytr = mnist_first(True, S["train"])
    xte, yte = mnist_first(False, S["test"])
    xtr, xte = (xtr - 0.1307) / 0.3081, (xte - 0.1307) / 0.3081
    model = Net()
    opt = torch.optim.Adadelta(model.parameters(), lr=S["lr"])
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=S["gamma"])
    for epoch in range(S["epochs"]):
        model.train()
        perm = torch.randperm(S["train"])
        for i in range(0, S["train"], S["batch"]):
            idx = perm[i:i + S["batch"]]
            opt.zero_grad()
            loss = F.nll_loss(model(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
        sched.step()
    model.eval()
    with torch.no_grad():
        pred = model(xte).argmax(dim=1)
    return (pred == yte).float().mean().item()


if __name__ == "__main__":
    run_seeds("mnist", "test accuracy", {k: v for k, v in S.items() if k != "seeds"}, run, range(S["seeds"]))
