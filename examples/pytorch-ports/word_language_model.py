"""PyTorch's examples/word_language_model (Dictionary/Corpus, batchify, get_batch,
RNNModel with an LSTM, NLLLoss, clip_grad_norm_, plain SGD by p.data.add_, lr / 4 when
validation does not improve) on a slice of Tiny Shakespeare, small settings of
word_language_model.ts. Prints the final validation perplexity per seed and writes
results/word_language_model.pytorch.json."""
import math, os
import torch
import torch.nn as nn
import torch.nn.functional as F
from common import shared_data, flags, run_seeds

S = flags({"trainChars": 50000, "validChars": 8000, "emsize": 32, "nhid": 32, "nlayers": 2, "lr": 20.0, "clip": 0.25,
           "epochs": 2, "batch": 20, "bptt": 35, "dropout": 0.2, "seeds": 5})
torch.set_num_threads(1)
EVAL_BATCH = 10


class Dictionary:
    def __init__(self):
        self.word2idx, self.idx2word = {}, []

    def add_word(self, word):
        if word not in self.word2idx:
            self.idx2word.append(word)
            self.word2idx[word] = len(self.idx2word) - 1
        return self.word2idx[word]


def lines_of(text):
    lines = text.split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


class Corpus:
    """The original reads train.txt/valid.txt; here two consecutive slices of Tiny Shakespeare."""
    def __init__(self, text):
        self.dictionary = Dictionary()
        self.train = self.tokenize(text[:S["trainChars"]])
        self.valid = self.tokenize(text[S["trainChars"]:S["trainChars"] + S["validChars"]])

    def tokenize(self, text):
        idss = []
        for line in lines_of(text):
            words = line.split() + ["<eos>"]
            idss.append(torch.tensor([self.dictionary.add_word(w) for w in words], dtype=torch.int64))
        return torch.cat(idss)


class RNNModel(nn.Module):
    def __init__(self, ntoken, ninp, nhid, nlayers, dropout):
        super().__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        self.nhid, self.nlayers = nhid, nlayers
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output).view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        return (weight.new_zeros(self.nlayers, bsz, self.nhid), weight.new_zeros(self.nlayers, bsz, self.nhid))


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    return data.narrow(0, 0, nbatch * bsz).view(bsz, -1).t().contiguous()


def get_batch(source, i):
    seq_len = min(S["bptt"], len(source) - 1 - i)
    return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].view(-1)


def repackage_hidden(h):
    return h.detach() if isinstance(h, torch.Tensor) else tuple(repackage_hidden(v) for v in h)


def run(seed):
    text = open(os.path.join(shared_data(), "tinyshakespeare.txt"), encoding="utf-8").read()
    corpus = Corpus(text)
    train_data, val_data = batchify(corpus.train, S["batch"]), batchify(corpus.valid, EVAL_BATCH)
    ntokens = len(corpus.dictionary.idx2word)
    model = RNNModel(ntokens, S["emsize"], S["nhid"], S["nlayers"], S["dropout"])
    criterion = nn.NLLLoss()
    lr = S["lr"]

    def evaluate(data_source):
        model.eval()
        total_loss, hidden = 0.0, model.init_hidden(EVAL_BATCH)
        with torch.no_grad():
            for i in range(0, data_source.size(0) - 1, S["bptt"]):
                data, targets = get_batch(data_source, i)
                output, hidden = model(data, hidden)
                hidden = repackage_hidden(hidden)
                total_loss += len(data) * criterion(output, targets).item()
        return total_loss / (len(data_source) - 1)

    def train():
        model.train()
        hidden = model.init_hidden(S["batch"])
        for i in range(0, train_data.size(0) - 1, S["bptt"]):
            data, targets = get_batch(train_data, i)
            model.zero_grad()
            hidden = repackage_hidden(hidden)
            output, hidden = model(data, hidden)
            loss = criterion(output, targets)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), S["clip"])
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)

    best_val_loss = None
    for epoch in range(S["epochs"]):
        train()
        val_loss = evaluate(val_data)
        if best_val_loss is None or val_loss < best_val_loss:
            best_val_loss = val_loss
        else:
            lr /= 4.0
    return math.exp(best_val_loss)


if __name__ == "__main__":
    run_seeds("word_language_model", "validation perplexity", {k: v for k, v in S.items() if k != "seeds"}, run, range(S["seeds"]))
