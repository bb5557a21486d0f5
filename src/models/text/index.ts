/**
 * `models.text`: Hugging Face transformers' BERT encoder and GPT-2 language model with
 * its state-dict keys and camelCased configs, so converted checkpoints load unchanged.
 */
export { BertModel, BertLayer, BertEmbeddings, hfActivation, type BertConfig, type BertOutputs } from "./bert.js";
export { GPT2LMHeadModel, GPT2Model, GPT2Block, GPT2Attention, GPT2MLP, Conv1D, type GPT2Config, type GPT2ForwardOptions, type GenerateOptions, type LayerPast } from "./gpt2.js";
