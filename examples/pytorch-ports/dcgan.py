"""PyTorch's examples/dcgan (64x64 DCGAN, BCELoss, Adam 2e-4 / beta1 0.5, weights_init)
on MNIST resized to 64x64, small settings of dcgan.ts (narrower nets, few iterations).
Prints per seed Loss_D averaged over the last 10 iterations and writes
results/dcgan.pytorch.json. Run: /usr/bin/python3 examples/pytorch-ports/dcgan.py"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from common import mnist_first, flags, run_seeds

S = flags({"images": 512, "iters": 30, "batch": 16, "nz": 100, "ngf": 8, "ndf": 8, "lr": 2e-4, "beta1": 0.5, "seeds": 5})
torch.set_num_threads(1)
nc = 1


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        torch.nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        torch.nn.init.normal_(m.weight, 1.0, 0.02)
        torch.nn.init.zeros_(m.bias)


class Generator(nn.Module):
    def __init__(self, nz, ngf):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self, ndf):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 8), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, input):
        return self.main(input).view(-1, 1).squeeze(1)


def run(seed):
    x, _ = mnist_first(True, S["images"])
    netG, netD = Generator(S["nz"], S["ngf"]), Discriminator(S["ndf"])
    netG.apply(weights_init)
    netD.apply(weights_init)
    criterion = nn.BCELoss()
    real_label, fake_label = 1.0, 0.0
    optD = torch.optim.Adam(netD.parameters(), lr=S["lr"], betas=(S["beta1"], 0.999))
    optG = torch.optim.Adam(netG.parameters(), lr=S["lr"], betas=(S["beta1"], 0.999))
    b, losses = S["batch"], []
    perm = torch.randperm(S["images"])
    for i in range(S["iters"]):
        j = (i * b) % S["images"]
        # transforms.Resize(64) + ToTensor + Normalize((0.5,), (0.5,)) of the batch, on tensors
        real = F.interpolate(x[perm[j:j + b]], size=64, mode="bilinear", align_corners=False).sub(0.5).div(0.5)
        netD.zero_grad()
        label = torch.full((b,), real_label, dtype=real.dtype)
        output = netD(real)
        errD_real = criterion(output, label)
        errD_real.backward()
        noise = torch.randn(b, S["nz"], 1, 1)
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake.detach())
        errD_fake = criterion(output, label)
        errD_fake.backward()
        errD = errD_real + errD_fake
        optD.step()
        netG.zero_grad()
        label.fill_(real_label)
        output = netD(fake)
        errG = criterion(output, label)
        errG.backward()
        optG.step()
        losses.append(errD.item())
    return sum(losses[-10:]) / 10


if __name__ == "__main__":
    run_seeds("dcgan", "Loss_D, mean of the last 10 iterations", {k: v for k, v in S.items() if k != "seeds"}, run, range(S["seeds"]))
