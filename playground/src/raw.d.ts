/** `import text from "raw:./file"`: a file's text, inlined by scripts/build-playground.mjs. */
declare module "raw:*" {
  const text: string;
  export default text;
}
