import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTemplate } from './go_template.ts';

const env: Record<string, string> = { NOMAD_ALLOC_ID: 'a1b2', PORT: '8080', 'node.unique.id': 'n-1' };
const opts = {
  funcs: { env: (k: unknown) => env[String(k)] ?? '' },
  data: { Node: { ID: 'n-1', Datacenter: 'dc1', Attributes: { 'kernel.name': 'linux' } } },
};

test('renderTemplate() evaluates env lookups, fields and pipes', () => {
  const out = renderTemplate(
    'id={{ env "NOMAD_ALLOC_ID" }} dc={{ .Node.Datacenter }} up={{ env "NOMAD_ALLOC_ID" | toUpper }}',
    opts,
  );
  assert.equal(out, 'id=a1b2 dc=dc1 up=A1B2');
});

test('renderTemplate() handles if/else if/else, or, printf and trim markers', () => {
  const src =
    '{{- if eq (env "PORT") "9090" -}} nine {{- else if env "PORT" -}} port={{ printf "%s/%d" "p" 7 }} {{- else }}none{{ end }}\n{{ or (env "MISSING") "fallback" }}{{/* gone */}}';
  assert.equal(renderTemplate(src, opts), 'port=p/7\nfallback');
});

test('renderTemplate() honours custom delimiters and reports unknown functions by name', () => {
  assert.equal(
    renderTemplate('[[ env "PORT" ]] {{ x }}', { ...opts, leftDelim: '[[', rightDelim: ']]' }),
    '8080 {{ x }}',
  );
  assert.throws(() => renderTemplate('{{ key "service/x" }}', opts), /function "key" not defined/);
  assert.throws(() => renderTemplate('{{ range .Node }}x{{ end }}', opts), /"range" is not supported/);
  assert.throws(() => renderTemplate('{{ if true }}x', opts), /missing \{\{end\}\}/);
});

test('renderTemplate() prints <no value> for missing fields unless missing keys are errors', () => {
  assert.equal(renderTemplate('{{ .Node.Nope }}', opts), '<no value>');
  assert.throws(
    () => renderTemplate('{{ .Node.Nope }}', { ...opts, errMissingKey: true }),
    /no entry for key "Nope"/,
  );
});
