// Pooling (max/avg/adaptive/Lp, 1-D and 2-D, indices, unpooling) against PyTorch
// fixtures: forward, gradients, double backward and float64 gradchecks.
import { runFixture } from "../fixture-runner.js";

runFixture("nn_pool");
