// Lint every file named on stdin (one path a line) with write-good in one process; print JSON timing.
const fs = require("fs");
const writeGood = require("write-good");
const paths = fs.readFileSync(0, "utf8").split("\n").filter(Boolean);
const texts = paths.map((p) => fs.readFileSync(p, "utf8"));
const start = process.cpuUsage();
let suggestions = 0;
for (const text of texts) suggestions += writeGood(text).length;
const used = process.cpuUsage(start);
const seconds = (used.user + used.system) / 1e6; // CPU seconds, like the Python rows
console.log(JSON.stringify({ docs: texts.length, seconds, suggestions }));
