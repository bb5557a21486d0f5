// F (nn.functional) activations, norms, embedding, distances, interpolate and losses
// against PyTorch fixtures: forward, gradients, double backward, float64 gradchecks.
import { runFixture } from "../fixture-runner.js";

runFixture("nn_functional");
runFixture("nn_functional_losses");
