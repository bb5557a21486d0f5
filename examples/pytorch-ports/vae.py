"""PyTorch's examples/vae (fully connected VAE, BCE + KL, Adam) on the small settings of
vae.ts. Prints the average test loss per image per seed and writes
results/vae.pytorch.json. Run: /usr/bin/python3 examples/pytorch-ports/vae.py"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from common import mnist_first, flags, run_seeds

S = flags({"train": 5000, "test": 1000, "epochs": 2, "batch": 128, "lr": 1e-3, "seeds": 5})
torch.set_num_threads(1)


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        return mu + torch.randn_like(std) * std

    def decode(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        return self.decode(self.reparameterize(mu, logvar)), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    bce = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def run(seed):
    xtr, _ = mnist_first(True, S["train"])
    xte, _ = mnist_first(False, S["test"])
    model = VAE()
    opt = torch.optim.Adam(model.parameters(), lr=S["lr"])
    for epoch in range(S["epochs"]):
        model.train()
        perm = torch.randperm(S["train"])
        for i in range(0, S["train"], S["batch"]):
            data = xtr[perm[i:i + S["batch"]]]
            opt.zero_grad()
            recon, mu, logvar = model(data)
            loss = loss_function(recon, data, mu, logvar)
            loss.backward()
            opt.step()
    model.eval()
    test_loss = 0.0
    with torch.no_grad():
        for i in range(0, S["test"], S["batch"]):
            data = xte[i:i + S["batch"]]
            recon, mu, logvar = model(data)
            test_loss += loss_function(recon, data, mu, logvar).item()
    return test_loss / S["test"]


if __name__ == "__main__":
    run_seeds("vae", "test loss per image", {k: v for k, v in S.items() if k != "seeds"}, run, range(S["seeds"]))
