// The parser conformance suite: every registered parser, over every testdata file it ships, must give
// valid records with UTC time and their raw message, account for every message, and say why it skipped.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateRecord } from '../records/validate.ts';
import { listParsers } from './registry.ts';
import { badInputs, contextFor, readTestdata, runFile, testdataFiles } from './testing.ts';
import { parseMessage } from './run.ts';

const totals: Record<string, { messages: number; records: number; skipped: number; unparsed: number }> = {};

for (const parser of listParsers()) {
  describe(`parser contract: ${parser.name}`, () => {
    const files = testdataFiles(parser);
    const sum = (totals[parser.name] = { messages: 0, records: 0, skipped: 0, unparsed: 0 });

    test('declares itself completely', () => {
      assert.match(parser.name, /^[a-z0-9-]+$/);
      assert.ok(parser.description.length > 10, 'description');
      assert.ok(['line', 'block'].includes(parser.framing));
      assert.ok(['required', 'optional', 'none'].includes(parser.syslogHeader));
    });

    test('ships testdata', () => assert.ok(files.length > 0, `no files in src/parsers/${parser.name}/testdata`));

    for (const path of files) {
      test(`testdata ${path.slice(path.lastIndexOf('/') + 1)}: valid records, every message accounted for`, () => {
        const file = readTestdata(parser, path);
        assert.ok(file.messages.length > 0, 'file holds no messages');
        const outcomes = runFile(parser, file);
        assert.equal(outcomes.length, file.messages.length, 'one outcome per message');
        let records = 0, skipped = 0, unparsed = 0;
        outcomes.forEach((o, i) => {
          const input = file.messages[i]!;
          const where = `${path}: message ${i + 1} (${input.slice(0, 80)})`;
          if (o.status === 'skip') {
            skipped++;
            assert.ok(o.reason && o.reason.length > 3, `${where}: skipped without a reason`);
            assert.equal(o.records.length, 0, `${where}: skip with records`);
          } else if (o.status === 'unparsed') {
            unparsed++;
            assert.ok(o.reason && o.reason.length > 3, `${where}: unparsed without a reason`);
            assert.equal(o.records.length, 1, `${where}: unparsed must give exactly one unparsed record`);
            assert.equal(o.records[0]!.kind, 'unparsed');
          } else {
            records++;
            assert.ok(o.records.length > 0, `${where}: status records without records`);
          }
          for (const r of o.records) {
            const problems = validateRecord(r, input);
            assert.deepEqual(problems, [], `${where}: ${problems.join('; ')}`);
            assert.equal(r.raw, input, `${where}: raw must be the whole message`);
          }
        });
        assert.equal(records + skipped + unparsed, file.messages.length, 'records + skipped + unparsed == messages');
        sum.messages += file.messages.length;
        sum.records += records;
        sum.skipped += skipped;
        sum.unparsed += unparsed;
      });
    }

    test('its testdata yields records', () => {
      assert.ok(sum.records > 0, `${parser.name}: no testdata message produced a record`);
    });

    test('bad input becomes unparsed with a reason, never a throw', () => {
      const ctx = contextFor({ zone: 'UTC', reference: Date.UTC(2026, 10, 29, 12) * 1000 });
      for (const [what, line] of Object.entries(badInputs(parser.name))) {
        const o = parseMessage(parser, line, ctx);
        assert.equal(o.status, 'unparsed', `${what}: ${o.status} ${o.reason ?? ''}`);
        assert.ok(o.reason, `${what}: no reason`);
        assert.deepEqual(validateRecord(o.records[0], line), [], what);
      }
    });
  });
}

test('contract totals', () => {
  for (const [name, t] of Object.entries(totals)) {
    console.log(`# ${name}: ${t.messages} messages → ${t.records} with records, ${t.skipped} skipped, ${t.unparsed} unparsed`);
  }
});
