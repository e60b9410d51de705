export * as pb from "./proto/index.js";
