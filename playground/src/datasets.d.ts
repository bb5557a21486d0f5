/** Types of datasets.js (plain JavaScript so that "export code" can copy it verbatim). */
export interface Points { x: Float32Array; y: number[]; kind: "classification" | "regression" }
export interface CsvTable { columns: string[]; rows: string[][] }
export interface CsvPoints extends Points { classes: string[]; inDim: number }
export function rng(seed: number): () => number;
export function makeDataset(name: string, n: number, noise: number, seed: number): Points;
export function parseCsv(text: string): CsvTable;
export function csvDataset(table: CsvTable, features: string[], target: string, seed: number): CsvPoints;
