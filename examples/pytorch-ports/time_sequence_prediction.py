"""PyTorch's examples/time_sequence_prediction (sine waves; two LSTMCells and a Linear in
float64; LBFGS lr 0.8 on MSE; test loss on the first three waves) on the small settings
of time_sequence_prediction.ts. The waves are generated as generate_sine_wave.py does,
with the random phase offsets replaced by a fixed formula so both sides see the same
data. Prints the final test loss per seed and writes
results/time_sequence_prediction.pytorch.json."""
import torch
import torch.nn as nn
from common import flags, run_seeds

S = flags({"N": 10, "L": 50, "T": 20, "steps": 2, "future": 10, "seeds": 5})
torch.set_num_threads(1)


def sine_waves():
    n, length, t = S["N"], S["L"], S["T"]
    offsets = torch.tensor([(i * 97) % (8 * t) - 4 * t for i in range(n)], dtype=torch.float64)
    x = torch.arange(length, dtype=torch.float64).unsqueeze(0) + offsets.unsqueeze(1)
    return torch.sin(x / 1.0 / t)


class Sequence(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm1 = nn.LSTMCell(1, 51)
        self.lstm2 = nn.LSTMCell(51, 51)
        self.linear = nn.Linear(51, 1)

    def forward(self, input, future=0):
        outputs = []
        h_t = torch.zeros(input.size(0), 51, dtype=torch.double)
        c_t = torch.zeros(input.size(0), 51, dtype=torch.double)
        h_t2 = torch.zeros(input.size(0), 51, dtype=torch.double)
        c_t2 = torch.zeros(input.size(0), 51, dtype=torch.double)
        for input_t in input.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for i in range(future):
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        return torch.cat(outputs, dim=1)


def run(seed):
    data = sine_waves()
    input, target = data[3:, :-1], data[3:, 1:]
    test_input, test_target = data[:3, :-1], data[:3, 1:]
    seq = Sequence()
    seq.double()
    criterion = nn.MSELoss()
    optimizer = torch.optim.LBFGS(seq.parameters(), lr=0.8)
    loss = None
    for i in range(S["steps"]):
        def closure():
            optimizer.zero_grad()
            out = seq(input)
            l = criterion(out, target)
            l.backward()
            return l
        optimizer.step(closure)
        with torch.no_grad():
            future = S["future"]
            pred = seq(test_input, future=future)
            loss = criterion(pred[:, :-future], test_target)
    return loss.item()


if __name__ == "__main__":
    run_seeds("time_sequence_prediction", "test loss (MSE)", {k: v for k, v in S.items() if k != "seeds"}, run, range(S["seeds"]))
