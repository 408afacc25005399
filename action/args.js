#!/usr/bin/env node
// The action's `args` input, split into words as a POSIX shell splits them, with nothing
// expanded: words are separated by spaces, tabs and line breaks (so `args: |` may put one
// argument, or several, on each line); '...' keeps everything inside as it is; "..." keeps
// everything but \" \\ \$ \` and a backslash before a line break; a backslash outside quotes
// keeps the next character; # at the start of a word begins a comment. What a shell would
// expand or treat as an operator ($, `, *, ?, [, a leading ~, ;, &, |, <, >, (, ), unquoted) is
// refused, as is an unclosed quote: the action runs no shell on it.
// Prints the words, each followed by a NUL byte (read with `mapfile -d ''`).
"use strict";

function fail(message) {
  process.stderr.write(`postman-cognito: error: the action's args input: ${message}\n`);
  process.exit(2);
}

function split(text) {
  const words = [];
  let word = null; // null: between words
  let i = 0;
  const add = (c) => {
    word = (word === null ? "" : word) + c;
  };
  while (i < text.length) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      if (word !== null) {
        words.push(word);
        word = null;
      }
      i += 1;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) fail(`a ' at character ${i + 1} is not closed`);
      add(text.slice(i + 1, end));
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let inner = "";
      for (;;) {
        if (j >= text.length) fail(`a " at character ${i + 1} is not closed`);
        const d = text[j];
        if (d === '"') break;
        if (d === "\\" && j + 1 < text.length && '"\\$`\n'.includes(text[j + 1])) {
          if (text[j + 1] !== "\n") inner += text[j + 1];
          j += 2;
          continue;
        }
        if (d === "$" || d === "`") {
          fail(`${d} at character ${j + 1} would be expanded by a shell; nothing is expanded here: put it in '...'`);
        }
        inner += d;
        j += 1;
      }
      add(inner);
      i = j + 1;
    } else if (c === "\\") {
      if (i + 1 >= text.length) fail("a \\ ends the input");
      if (text[i + 1] !== "\n") add(text[i + 1]);
      i += 2;
    } else if (c === "#" && word === null) {
      // A comment, to the end of the line.
      const end = text.indexOf("\n", i);
      i = end < 0 ? text.length : end;
    } else if ("*?[".includes(c) || (c === "~" && word === null)) {
      fail(`${c} at character ${i + 1} would be expanded by a shell, and nothing is expanded here: quote it, or name the files one by one`);
    } else if ("$`;&|<>()".includes(c)) {
      fail(`${c} at character ${i + 1} is shell syntax, and the action runs no shell: quote it ('${c}') if it is part of an argument`);
    } else {
      add(c);
      i += 1;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

if (require.main === module) {
  const words = split(process.env.INPUT_ARGS || "");
  process.stdout.write(words.map((w) => `${w}\0`).join(""));
}

module.exports = { split };
