/**
 * The syntax tree of HCL expressions and string templates. hcl2json hands us every non-literal
 * expression as text ("${var.x + 1}"), so we parse and evaluate them ourselves. Every node keeps
 * its source text so that an expression that can only be known at run time (`${attr.kernel.name}`,
 * `${NOMAD_PORT_db}`) can be written back verbatim for the client to interpolate.
 */

export type BinaryOp = '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%';

/** One step after a splat: `.name` or `[expr]`. */
export type Traversal = { k: 'attr'; name: string } | { k: 'index'; key: Expr };

export type Expr =
  | { k: 'literal'; value: null | boolean | number | string; src: string }
  | { k: 'template'; parts: TemplatePart[]; src: string }
  | { k: 'variable'; name: string; src: string }
  | { k: 'attr'; object: Expr; name: string; src: string }
  | { k: 'index'; object: Expr; key: Expr; src: string }
  | { k: 'splat'; object: Expr; steps: Traversal[]; src: string }
  | { k: 'call'; name: string; args: Expr[]; expandLast: boolean; src: string }
  | { k: 'tuple'; items: Expr[]; src: string }
  | { k: 'object'; items: { key: Expr; value: Expr }[]; src: string }
  | {
      k: 'for';
      keyVar: string | null;
      valueVar: string;
      collection: Expr;
      keyExpr: Expr | null;
      valueExpr: Expr;
      condition: Expr | null;
      grouping: boolean;
      src: string;
    }
  | { k: 'unary'; op: '!' | '-'; operand: Expr; src: string }
  | { k: 'binary'; op: BinaryOp; left: Expr; right: Expr; src: string }
  | { k: 'conditional'; condition: Expr; then: Expr; otherwise: Expr; src: string }
  | { k: 'paren'; inner: Expr; src: string };

export type TemplatePart =
  | { k: 'text'; text: string }
  | { k: 'interp'; expr: Expr; src: string }
  | { k: 'if'; condition: Expr; then: TemplatePart[]; otherwise: TemplatePart[] }
  | { k: 'for'; keyVar: string | null; valueVar: string; collection: Expr; body: TemplatePart[] };
