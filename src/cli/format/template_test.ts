import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatJson, formatOutput, renderTemplate, TemplateError } from './template.ts';

const jobs = [
  { ID: 'example', Status: 'running', Meta: { owner: 'a' }, Priority: 50 },
  { ID: 'batch', Status: 'dead', Meta: null, Priority: 70 },
];

test('renderTemplate() reads fields and ranges over lists', () => {
  assert.equal(renderTemplate('{{range .}}{{.ID}}={{.Status}} {{end}}', jobs), 'example=running batch=dead ');
});

test('renderTemplate() supports range variables, if/else and trim markers', () => {
  const t = '{{- range $i, $j := . -}} {{$i}}:{{if eq $j.Status "running"}}up{{else}}down{{end}};{{- end}}';
  assert.equal(renderTemplate(t, jobs), '0:up;1:down;');
});

test('renderTemplate() supports printf, len, index, with and pipelines', () => {
  assert.equal(renderTemplate('{{len .}}', jobs), '2');
  assert.equal(renderTemplate('{{index . 0 | printf "%v"}}', ['x']), 'x');
  assert.equal(renderTemplate('{{with index . 0}}{{index .Meta "owner"}}{{end}}', jobs), 'a');
  assert.equal(renderTemplate('{{printf "%-8s|%d" .ID .Priority}}', jobs[0]), 'example |50');
  assert.equal(renderTemplate('{{.Missing}}', {}), '<no value>');
});

test('renderTemplate() reads fields of a parenthesized pipeline, as Go does', () => {
  assert.equal(renderTemplate('{{(index . 1).ID}}', jobs), 'batch');
  assert.equal(renderTemplate('{{printf "%s/%v" (index . 0).ID (index . 0).Meta.owner}}', jobs), 'example/a');
  assert.equal(renderTemplate('{{(index . 0)}}', ['x']), 'x');
});

test('renderTemplate() names what it cannot do', () => {
  assert.throws(() => renderTemplate('{{range .}}', jobs), TemplateError);
  assert.throws(() => renderTemplate('{{nosuch .}}', jobs), /function "nosuch" not defined/);
  assert.throws(() => renderTemplate('{{$x}}', jobs), /undefined variable "\$x"/);
});

test('formatOutput() prints JSON with four spaces, and refuses -json with -t', () => {
  assert.equal(formatJson({ A: [1] }), '{\n    "A": [\n        1\n    ]\n}');
  assert.throws(() => formatOutput({ json: true, template: '{{.}}' }, {}), /not allowed/);
});
