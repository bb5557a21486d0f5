/**
 * `data`: datasets, DataLoader, transforms and loaders for standard formats.
 */
export {};
