//! Def-use within one file: the binding a value is assigned to, and every use of that binding.
//!
//! A rewriter that removes a key held in a binding asks [`binding_of`] for the binding, [`uses`]
//! for its reads and other writes, and [`classify`] (with its own knowledge of credential sinks)
//! which reads only pass the credential on — those can go with the binding — and which feed
//! anything else — then the binding must stay (without the key, when the rewriter can say how),
//! or the spot is manual.
//!
//! Binding finders exist per language, written against each grammar's node kinds (the grammar
//! crates' `locals.scm` queries are not shipped for Python, Bash or HCL, and a query would not
//! know the language's scoping quirks anyway):
//! - **Python**: module and function variables (`x = …`, `x: T = …`, walrus, parameter defaults),
//!   class attributes and `self.x = …` fields (uses: every `.x` attribute read in the file,
//!   whatever the object — attributes are not resolved by type), dict-subscript entries
//!   (`d["k"] = …`; uses: every `["k"]` subscript).
//!   A name bound at module level is visible in every function; a function that assigns the same
//!   name counts as another write (shadowing is not told apart from rebinding: conservative).
//! - **Bash** (and dotenv): shell variables and exported environment variables (`NAME=…`,
//!   `export`/`local`/`declare`/`readonly NAME=…`). Bash scoping is dynamic, so every `$NAME`,
//!   `${NAME…}` and arithmetic `NAME` in the file is a use; `for NAME`, `read NAME` and other
//!   assignments are writes. Uses by child processes (exported variables) are invisible here.
//! - **HCL**: Terraform `variable "name" { default = … }`; uses are `var.name`.
//!
//! Other languages: not yet ([`binding_of`] returns `None`); a port adds its language here.

use super::{Language, Parsed};
use tree_sitter::Node;

/// What kind of binding holds a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindingKind {
    /// A local or module variable.
    Variable,
    /// A module-level name in capitals (a setting or constant).
    Constant,
    /// An object field or class attribute (`self.x`, `class C: x = …`).
    Field,
    /// A dict/hash/map entry (`d["k"] = …`, `{"k": …}`).
    Entry,
    /// A shell variable.
    ShellVariable,
    /// An exported environment variable.
    EnvVar,
    /// A Terraform input variable.
    TerraformVariable,
}

/// A binding that holds a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding<'t> {
    /// The kind.
    pub kind: BindingKind,
    /// The node whose text is the bound name (an identifier, a key string, a variable name).
    pub target: Node<'t>,
    /// The construct that creates the binding (an assignment, a pair, a `variable` block): what
    /// to remove to remove the binding.
    pub statement: Node<'t>,
    /// The bound value.
    pub value: Node<'t>,
    /// Where uses may be.
    pub scope: Node<'t>,
}

impl Binding<'_> {
    /// The bound name.
    pub fn name<'s>(&self, parsed: &Parsed<'s>) -> &'s str {
        let text = parsed.text_of(self.target);
        match self.kind {
            BindingKind::Entry => super::strings::string_literal(parsed, self.target)
                .and_then(|s| parsed.text().get(s.content))
                .unwrap_or(text),
            _ => text,
        }
    }
}

/// The uses of a binding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Uses<'t> {
    /// Nodes that read the binding (an identifier, `self.x`, `$NAME`, `var.x`).
    pub reads: Vec<Node<'t>>,
    /// Other writes of the same name in the scope: the binding's value is not the only one.
    pub writes: Vec<Node<'t>>,
}

/// Reads split by what they do with the value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Split<'t> {
    /// Reads that only pass the credential on (to a credential setting).
    pub passes_on: Vec<Node<'t>>,
    /// Reads that feed anything else.
    pub feeds: Vec<Node<'t>>,
}

/// Splits `reads` by `passes_on` (the rewriter's knowledge of credential sinks).
pub fn classify<'t>(reads: &[Node<'t>], mut passes_on: impl FnMut(Node<'t>) -> bool) -> Split<'t> {
    let mut split = Split::default();
    for &r in reads {
        if passes_on(r) {
            split.passes_on.push(r);
        } else {
            split.feeds.push(r);
        }
    }
    split
}

/// The binding whose value is `value` (wrapping parentheses allowed), if `value` is bound.
pub fn binding_of<'t>(parsed: &'t Parsed<'_>, value: Node<'t>) -> Option<Binding<'t>> {
    let mut value = value;
    while let Some(p) = value
        .parent()
        .filter(|p| p.kind() == "parenthesized_expression")
    {
        value = p;
    }
    match parsed.language() {
        Language::Python => python_binding(parsed, value),
        Language::Bash => bash_binding(value),
        Language::Hcl => hcl_binding(parsed, value),
        _ => None,
    }
}

/// Every use of `binding` in its scope.
pub fn uses<'t>(parsed: &'t Parsed<'_>, binding: &Binding<'t>) -> Uses<'t> {
    let name = binding.name(parsed);
    let mut out = Uses::default();
    let nodes = super::parse::descendants(binding.scope);
    match (parsed.language(), binding.kind) {
        (Language::Python, BindingKind::Field) => {
            for n in nodes.filter(|n| n.kind() == "attribute") {
                let Some(attr) = n.child_by_field_name("attribute") else {
                    continue;
                };
                if parsed.text_of(attr) != name || attr == binding.target {
                    continue;
                }
                if is_assignment_left(n) {
                    out.writes.push(n);
                } else {
                    out.reads.push(n);
                }
            }
            // Bare reads inside the class body that defines a class attribute.
            if binding.target.kind() == "identifier" {
                if let Some(body) = binding.statement.parent().filter(|b| b.kind() == "block") {
                    for n in super::parse::descendants(body) {
                        if n.kind() == "identifier"
                            && parsed.text_of(n) == name
                            && n != binding.target
                        {
                            python_identifier(n, &mut out);
                        }
                    }
                }
            }
        }
        (Language::Python, BindingKind::Entry) => {
            for n in nodes.filter(|n| n.kind() == "subscript") {
                let key = n
                    .child_by_field_name("subscript")
                    .and_then(|k| super::strings::string_literal(parsed, k))
                    .and_then(|s| s.value);
                if key.as_deref() != Some(name)
                    || n.byte_range().contains(&binding.target.start_byte())
                {
                    continue;
                }
                if is_assignment_left(n) {
                    out.writes.push(n);
                } else {
                    out.reads.push(n);
                }
            }
        }
        (Language::Python, _) => {
            for n in nodes.filter(|n| n.kind() == "identifier") {
                if n != binding.target && parsed.text_of(n) == name {
                    python_identifier(n, &mut out);
                }
            }
        }
        (Language::Bash, _) => {
            for n in nodes {
                match n.kind() {
                    "variable_name" if n != binding.target && parsed.text_of(n) == name => {
                        let parent = n.parent().map(|p| p.kind());
                        match parent {
                            Some("variable_assignment" | "for_statement") => out.writes.push(n),
                            _ => out.reads.push(n),
                        }
                    }
                    "command" if bash_command_writes(parsed, n, name) => out.writes.push(n),
                    _ => {}
                }
            }
        }
        (Language::Hcl, _) => {
            for n in nodes.filter(|n| n.kind() == "expression") {
                if hcl_var_ref(parsed, n) == Some(name) {
                    out.reads.push(n);
                }
            }
        }
        _ => {}
    }
    out
}

/// Sorts a Python identifier that names the binding into reads and writes.
fn python_identifier<'t>(n: Node<'t>, out: &mut Uses<'t>) {
    let Some(parent) = n.parent() else { return };
    let field_of = |p: Node<'_>, f: &str| p.child_by_field_name(f).is_some_and(|c| c == n);
    match parent.kind() {
        // `x.name` and `f(name=…)` are other names.
        "attribute" if field_of(parent, "attribute") => {}
        "keyword_argument" if field_of(parent, "name") => {}
        "assignment" | "augmented_assignment" if field_of(parent, "left") => out.writes.push(n),
        "named_expression" if field_of(parent, "name") => out.writes.push(n),
        "for_statement" | "for_in_clause" if field_of(parent, "left") => out.writes.push(n),
        "function_definition" | "class_definition" if field_of(parent, "name") => {
            out.writes.push(n)
        }
        "parameters" | "lambda_parameters" | "typed_parameter" => out.writes.push(n),
        "default_parameter" | "typed_default_parameter" if field_of(parent, "name") => {
            out.writes.push(n)
        }
        "aliased_import" | "dotted_name" | "import_statement" | "import_from_statement" => {
            if super::parse::ancestor(n, &["import_statement", "import_from_statement"]).is_some() {
                out.writes.push(n);
            } else {
                out.reads.push(n);
            }
        }
        "pattern_list" | "tuple_pattern" | "list_pattern" => out.writes.push(n),
        "global_statement" | "nonlocal_statement" => {}
        _ => out.reads.push(n),
    }
}

/// Whether `node` is the target of an assignment.
fn is_assignment_left(node: Node<'_>) -> bool {
    node.parent().is_some_and(|p| {
        matches!(p.kind(), "assignment" | "augmented_assignment")
            && p.child_by_field_name("left").is_some_and(|l| l == node)
    })
}

fn python_binding<'t>(parsed: &'t Parsed<'_>, value: Node<'t>) -> Option<Binding<'t>> {
    let parent = value.parent()?;
    let is_field = |f: &str| parent.child_by_field_name(f).is_some_and(|c| c == value);
    let (kind, target, statement, scope) = match parent.kind() {
        "assignment" if is_field("right") => {
            let left = parent.child_by_field_name("left")?;
            let statement = parent
                .parent()
                .filter(|s| s.kind() == "expression_statement")?;
            let in_class = python_scope(statement).kind() == "class_definition";
            match left.kind() {
                "identifier" if in_class => (BindingKind::Field, left, statement, parsed.root()),
                "identifier" => {
                    let name = parsed.text_of(left);
                    let scope = python_scope(statement);
                    let constant = scope.kind() == "module"
                        && name
                            .bytes()
                            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
                    let kind = if constant {
                        BindingKind::Constant
                    } else {
                        BindingKind::Variable
                    };
                    (kind, left, statement, scope)
                }
                "attribute" => (
                    BindingKind::Field,
                    left.child_by_field_name("attribute")?,
                    statement,
                    parsed.root(),
                ),
                "subscript" => {
                    let key = left.child_by_field_name("subscript")?;
                    super::strings::string_literal(parsed, key)?.value?;
                    (BindingKind::Entry, key, statement, parsed.root())
                }
                _ => return None,
            }
        }
        "named_expression" if is_field("value") => {
            let name = parent.child_by_field_name("name")?;
            (BindingKind::Variable, name, parent, python_scope(parent))
        }
        "default_parameter" | "typed_default_parameter" if is_field("value") => {
            let name = parent.child_by_field_name("name")?;
            let function = super::parse::ancestor(parent, &["function_definition", "lambda"])?;
            (BindingKind::Variable, name, parent, function)
        }
        "pair" if is_field("value") => {
            let key = parent.child_by_field_name("key")?;
            super::strings::string_literal(parsed, key)?.value?;
            (BindingKind::Entry, key, parent, parsed.root())
        }
        _ => return None,
    };
    Some(Binding {
        kind,
        target,
        statement,
        value,
        scope,
    })
}

/// The function, class or module whose names a statement binds.
fn python_scope(node: Node<'_>) -> Node<'_> {
    super::parse::ancestor(
        node,
        &[
            "function_definition",
            "class_definition",
            "module",
            "lambda",
        ],
    )
    .unwrap_or(node)
}

fn bash_binding(value: Node<'_>) -> Option<Binding<'_>> {
    let assignment = value
        .parent()
        .filter(|p| p.kind() == "variable_assignment")?;
    if assignment.child_by_field_name("value") != Some(value) {
        return None;
    }
    let target = assignment.child_by_field_name("name")?;
    let exported = assignment
        .parent()
        .filter(|p| p.kind() == "declaration_command")
        .and_then(|p| p.child(0))
        .is_some_and(|k| k.kind() == "export");
    let mut root = assignment;
    while let Some(p) = root.parent() {
        root = p;
    }
    Some(Binding {
        kind: if exported {
            BindingKind::EnvVar
        } else {
            BindingKind::ShellVariable
        },
        target,
        statement: assignment,
        value,
        scope: root,
    })
}

/// Whether a command writes shell variable `name` (`read NAME`, `unset NAME`, `export NAME`
/// without a value does not write).
fn bash_command_writes(parsed: &Parsed<'_>, command: Node<'_>, name: &str) -> bool {
    let Some(program) = command.child_by_field_name("name") else {
        return false;
    };
    if !matches!(
        parsed.text_of(program),
        "read" | "unset" | "mapfile" | "readarray" | "getopts"
    ) {
        return false;
    }
    let mut cursor = command.walk();
    let found = command
        .children_by_field_name("argument", &mut cursor)
        .any(|a| parsed.text_of(a) == name);
    found
}

fn hcl_binding<'t>(parsed: &'t Parsed<'_>, value: Node<'t>) -> Option<Binding<'t>> {
    let expression = if value.kind() == "expression" {
        value
    } else {
        super::parse::ancestor(value, &["expression"])?
    };
    let attribute = expression.parent().filter(|p| p.kind() == "attribute")?;
    let key = attribute.named_child(0)?;
    if parsed.text_of(key) != "default" {
        return None;
    }
    let block = super::parse::ancestor(attribute, &["block"])?;
    if block.named_child(0).map(|n| parsed.text_of(n)) != Some("variable") {
        return None;
    }
    let label = block.named_child(1).filter(|n| n.kind() == "string_lit")?;
    let mut target = label;
    let mut cursor = label.walk();
    if let Some(t) = label
        .named_children(&mut cursor)
        .find(|c| c.kind() == "template_literal")
    {
        target = t;
    }
    Some(Binding {
        kind: BindingKind::TerraformVariable,
        target,
        statement: block,
        value: expression,
        scope: parsed.root(),
    })
}

/// `var.NAME` → `NAME`.
fn hcl_var_ref<'s>(parsed: &Parsed<'s>, expression: Node<'_>) -> Option<&'s str> {
    let first = expression.named_child(0)?;
    if first.kind() != "variable_expr" || parsed.text_of(first) != "var" {
        return None;
    }
    let attr = expression
        .named_child(1)
        .filter(|n| n.kind() == "get_attr")?;
    Some(parsed.text_of(attr.named_child(0)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{parse, strings};

    fn lines(parsed: &Parsed<'_>, nodes: &[Node<'_>]) -> Vec<u32> {
        nodes
            .iter()
            .map(|n| parsed.line_of(n.start_byte()))
            .collect()
    }

    fn binding_at<'t>(parsed: &'t Parsed<'_>, needle: &str) -> Binding<'t> {
        let at = parsed.text().find(needle).unwrap();
        let lit = strings::string_at(parsed, at).unwrap();
        binding_of(parsed, lit).unwrap()
    }

    #[test]
    fn python_module_constant_reads_and_writes() {
        let text = "import boto3\nKEY = \"K1\"\nBUCKET = KEY.lower()\n\ndef f():\n    return boto3.client(\"s3\", aws_access_key_id=KEY, KEY=1)\n\ndef g():\n    KEY = 2\n";
        let parsed = parse(Language::Python, text).unwrap();
        let b = binding_at(&parsed, "K1");
        assert_eq!(b.kind, BindingKind::Constant);
        assert_eq!(b.name(&parsed), "KEY");
        let u = uses(&parsed, &b);
        assert_eq!(lines(&parsed, &u.reads), [3, 6]);
        assert_eq!(lines(&parsed, &u.writes), [9]);
        let split = classify(&u.reads, |n| {
            n.parent().is_some_and(|p| p.kind() == "keyword_argument")
        });
        assert_eq!(lines(&parsed, &split.passes_on), [6]);
        assert_eq!(lines(&parsed, &split.feeds), [3]);
    }

    #[test]
    fn python_fields_entries_and_locals() {
        let text = "class C:\n    def __init__(self):\n        self.key = \"K2\"\n    def run(self):\n        use(self.key)\n\ndef h():\n    k = \"K3\"\n    return k\nk = 5\ncfg[\"secret\"] = \"K4\"\nprint(cfg[\"secret\"])\n";
        let parsed = parse(Language::Python, text).unwrap();
        let field = binding_at(&parsed, "K2");
        assert_eq!(field.kind, BindingKind::Field);
        assert_eq!(lines(&parsed, &uses(&parsed, &field).reads), [5]);
        let local = binding_at(&parsed, "K3");
        assert_eq!(local.kind, BindingKind::Variable);
        let u = uses(&parsed, &local);
        assert_eq!((lines(&parsed, &u.reads), u.writes.len()), (vec![9], 0));
        let entry = binding_at(&parsed, "K4");
        assert_eq!(entry.kind, BindingKind::Entry);
        assert_eq!(entry.name(&parsed), "secret");
        assert_eq!(lines(&parsed, &uses(&parsed, &entry).reads), [12]);
    }

    #[test]
    fn bash_variables_everywhere_in_the_file() {
        let text = "A=\"K5\"\nLINES=(\"$X\" \"$A\")\nf() { echo \"${A:-none}\"; }\necho $((A + 1))\nread A\nexport B=\"K6\"\n";
        let parsed = parse(Language::Bash, text).unwrap();
        let a = binding_at(&parsed, "K5");
        assert_eq!(a.kind, BindingKind::ShellVariable);
        let u = uses(&parsed, &a);
        assert_eq!(lines(&parsed, &u.reads), [2, 3, 4]);
        assert_eq!(lines(&parsed, &u.writes), [5]);
        assert_eq!(binding_at(&parsed, "K6").kind, BindingKind::EnvVar);
    }

    #[test]
    fn terraform_variables() {
        let text = "variable \"key\" {\n  default = \"K7\"\n}\nprovider \"aws\" {\n  access_key = var.key\n  tag = \"${var.key}-x\"\n}\n";
        let parsed = parse(Language::Hcl, text).unwrap();
        let b = binding_at(&parsed, "K7");
        assert_eq!(b.kind, BindingKind::TerraformVariable);
        assert_eq!(b.name(&parsed), "key");
        assert_eq!(lines(&parsed, &uses(&parsed, &b).reads), [5, 6]);
    }
}
