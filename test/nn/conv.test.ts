// F.conv1d/conv2d/convTranspose1d/convTranspose2d/unfold/fold against PyTorch fixtures
// (forward, input/weight/bias gradients, double backward incl. WGAN-GP penalties) plus
// float64 finite-difference gradchecks (run by the fixture runner).
import { runFixture } from "../fixture-runner.js";

runFixture("nn_conv");
