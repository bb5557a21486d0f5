"""PyTorch's examples/gcn (GraphConv = X·W then sparse normalised adjacency product,
two layers, ReLU, dropout, log-softmax, NLLLoss, Adam with weight decay) on Cora from
the shared data folder, with the standard Planetoid split and row-normalised features
(as myelin's Planetoid loader gives them). Prints the test accuracy after the last
epoch per seed and writes results/gcn.pytorch.json."""
import json, os
import torch
import torch.nn as nn
import torch.nn.functional as F
from common import shared_data, flags, run_seeds

S = flags({"epochs": 200, "lr": 0.01, "l2": 5e-4, "hidden": 16, "dropout": 0.5, "bias": 0, "seeds": 5})
torch.set_num_threads(1)


def load_cora():
    d = json.load(open(os.path.join(shared_data(), "cora.json")))
    n, f = d["num_nodes"], d["num_features"]
    csr = d["features_csr"]
    x = torch.zeros(n, f)
    for i in range(n):
        x[i, csr["indices"][csr["indptr"][i]:csr["indptr"][i + 1]]] = 1.0
    x = x / x.sum(1, keepdim=True).clamp(min=1)
    e = torch.tensor(d["edges_undirected"], dtype=torch.int64).t()
    loops = torch.arange(n).unsqueeze(0).repeat(2, 1)
    idx = torch.cat([e, e.flip(0), loops], 1)  # A + I, both directions
    deg = torch.zeros(n).index_add_(0, idx[0], torch.ones(idx.size(1)))
    dinv = deg.pow(-0.5)
    vals = dinv[idx[0]] * dinv[idx[1]]  # D^-1/2 (A + I) D^-1/2
    adj = torch.sparse_coo_tensor(idx, vals, (n, n))
    split = lambda k: torch.tensor(d[k], dtype=torch.int64)
    return x, adj, torch.tensor(d["labels"], dtype=torch.int64), split("train"), split("val"), split("test")


class GraphConv(nn.Module):
    def __init__(self, input_dim, output_dim, use_bias=False):
        super().__init__()
        self.kernel = nn.Parameter(torch.empty(input_dim, output_dim))
        nn.init.xavier_normal_(self.kernel)
        self.bias = None
        if use_bias:
            self.bias = nn.Parameter(torch.empty(output_dim))
            nn.init.zeros_(self.bias)

    def forward(self, input_tensor, adj_mat):
        support = torch.mm(input_tensor, self.kernel)
        output = torch.sparse.mm(adj_mat, support)
        if self.bias is not None:
            output = output + self.bias
        return output


class GCN(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim, use_bias=True, dropout_p=0.1):
        super().__init__()
        self.gc1 = GraphConv(input_dim, hidden_dim, use_bias=use_bias)
        self.gc2 = GraphConv(hidden_dim, output_dim, use_bias=use_bias)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, input_tensor, adj_mat):
        x = self.gc1(input_tensor, adj_mat)
        x = F.relu(x)
        x = self.dropout(x)
        x = self.gc2(x, adj_mat)
        return F.log_softmax(x, dim=1)


def run(seed):
    features, adj, labels, idx_train, idx_val, idx_test = load_cora()
    gcn = GCN(features.shape[1], S["hidden"], int(labels.max()) + 1, bool(S["bias"]), S["dropout"])
    optimizer = torch.optim.Adam(gcn.parameters(), lr=S["lr"], weight_decay=S["l2"])
    criterion = nn.NLLLoss()
    for epoch in range(S["epochs"]):
        gcn.train()
        optimizer.zero_grad()
        output = gcn(features, adj)
        loss = criterion(output[idx_train], labels[idx_train])
        loss.backward()
        optimizer.step()
    gcn.eval()
    with torch.no_grad():
        output = gcn(features, adj)[idx_test]
    return ((output.argmax(dim=1) == labels[idx_test]).float().sum() / len(idx_test)).item()


if __name__ == "__main__":
    run_seeds("gcn", "test accuracy", {k: v for k, v in S.items() if k != "seeds"}, run, range(S["seeds"]))
