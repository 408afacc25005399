// Runs several collections through newman in one Node process (newman as a library), one after
// another: the tests' cases share one start of Node instead of one each. Argument: a JSON file
// listing the jobs, [{"collection": PATH, "report": PATH, "environment": PATH?}]. Prints, one
// line each, {"ok": bool, "error": TEXT?} in the order of the jobs. NODE_PATH names the folder
// newman is installed in (scripts/test installs it into .tools/node/node_modules).
"use strict";

const fs = require("fs");
const newman = require("newman");

const jobs = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));

function run(job) {
  return new Promise((resolve) => {
    const options = {
      collection: job.collection,
      reporters: ["json"],
      reporter: { json: { export: job.report } },
      timeoutRequest: 10000,
    };
    if (job.environment) options.environment = job.environment;
    newman.run(options, (err, summary) => {
      if (err) return resolve({ ok: false, error: String(err) });
      const failures = summary.run.failures.map((f) => `${f.error.name}: ${f.error.message}`);
      resolve(failures.length ? { ok: false, error: failures.join("; ") } : { ok: true });
    });
  });
}

(async () => {
  for (const job of jobs) {
    process.stdout.write(JSON.stringify(await run(job)) + "\n");
  }
})();
