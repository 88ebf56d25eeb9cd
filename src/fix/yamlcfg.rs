//! Structure-aware YAML editing, and the Kubernetes rewriter built on it.
//!
//! The YAML model ([`model`]) is built on the tree-sitter-yaml tree: documents, mapping entries,
//! sequence items, scalars and flow collections with their byte spans. Edits remove whole lines
//! of that tree, so comments, quoting styles, CRLF line endings and everything not touched stay
//! byte-identical.

use crate::fix::awsini::{
    apply_edits, drop_flow_entries, has_match, is_credential_name, manual_list,
    role_arn_placeholder, uncovered, without_edits, Edit,
};
use crate::fix::{FileToFix, Outcome, Rewriter};
use std::ops::Range;

mod model;

pub(crate) use model::{parse_yaml, unquote, Node, Yaml, YamlDoc};

// ---------------------------------------------------------------------------------------------
// Kubernetes
// ---------------------------------------------------------------------------------------------

/// Kubernetes manifests: removes AWS keys from `Secret` data/stringData (and the whole Secret
/// document when nothing else is left), and the workload `env:` entries that carried them or
/// pointed at them (`valueFrom.secretKeyRef`, `envFrom.secretRef`). The pods then need a role by
/// IRSA (`eks.amazonaws.com/role-arn` on their ServiceAccount) or an EKS Pod Identity
/// association; the notes say so.
#[derive(Debug, Default, Clone, Copy)]
pub struct KubernetesRewriter;

impl Rewriter for KubernetesRewriter {
    fn name(&self) -> &'static str {
        "kubernetes"
    }

    fn handles(&self, path: &str, text: &str) -> bool {
        let yaml = path.ends_with(".yaml") || path.ends_with(".yml");
        let workflow =
            path.starts_with(".github/workflows/") || path.contains("/.github/workflows/");
        let has = |key: &str| {
            text.lines()
                .any(|l| l.starts_with(key) || l.trim_start_matches("- ").starts_with(key))
        };
        yaml && !workflow && has("apiVersion:") && has("kind:")
    }

    fn rewrite(&self, file: &FileToFix<'_>) -> Outcome {
        let yaml = parse_yaml(file.text);
        let mut plan = K8sPlan::default();
        for (i, doc) in yaml.docs.iter().enumerate() {
            plan.secret(file, &yaml, i, doc);
        }
        for doc in &yaml.docs {
            plan.workload_env(file, doc);
        }
        plan.keep_referenced_secrets(file.text, &yaml.docs);
        plan.finish(file, &yaml)
    }
}

/// A Secret whose AWS entries go.
#[derive(Debug)]
struct SecretCut {
    name: String,
    /// Removing the whole document.
    whole: Range<usize>,
    /// Removing only the entries (when something still refers to the Secret).
    entries: Vec<Edit>,
    emptied: bool,
}

#[derive(Debug, Default)]
struct K8sPlan {
    edits: Vec<Edit>,
    secrets: Vec<SecretCut>,
    removed_keys: Vec<(String, String)>,
    workloads: Vec<String>,
}

impl K8sPlan {
    fn secret(&mut self, file: &FileToFix<'_>, yaml: &Yaml, index: usize, doc: &YamlDoc) {
        let text = file.text;
        if doc.get("kind").and_then(|k| k.scalar(text)) != Some("Secret") {
            return;
        }
        let name = doc
            .get("metadata")
            .and_then(|m| m.field(text, "name"))
            .unwrap_or("")
            .to_string();
        let (mut total, mut hit) = (0, 0);
        let mut entries = Vec::new();
        for section in ["data", "stringData"].iter().filter_map(|s| doc.get(s)) {
            let (t, h) = self.section_cuts(file, &name, section, &mut entries);
            total += t;
            hit += h;
        }
        if let Some(ann) = doc.get("metadata").and_then(|m| m.get("annotations")) {
            for a in &ann.children {
                let last_applied =
                    a.key.as_deref() == Some("kubectl.kubernetes.io/last-applied-configuration");
                if last_applied && has_match(file.matches, &a.span) && a.owns_lines() {
                    entries.push(Edit::delete(a.line_span()));
                }
            }
        }
        if hit == 0 {
            return;
        }
        self.secrets.push(SecretCut {
            name,
            whole: yaml.document_span(index),
            entries,
            emptied: hit == total && !doc.broken,
        });
    }

    /// Cuts for one data/stringData section; returns (entries, entries holding AWS keys).
    fn section_cuts(
        &mut self,
        file: &FileToFix<'_>,
        name: &str,
        section: &Node,
        out: &mut Vec<Edit>,
    ) -> (usize, usize) {
        if let Some(flow) = section.flow.as_ref().filter(|f| f.mapping) {
            let entries = flow.ranges();
            let drop: Vec<usize> = (0..entries.len())
                .filter(|&i| has_match(file.matches, &entries[i]))
                .collect();
            for &i in &drop {
                let key = flow.entries[i].key.clone().unwrap_or_default();
                self.removed_keys.push((name.to_string(), key));
            }
            if !drop.is_empty() {
                out.extend(drop_flow_entries(&flow.range, &entries, &drop));
            }
            return (entries.len(), drop.len());
        }
        // Entries named like AWS credentials go with the ones the detector found in the same
        // section (a base64 secret in a folded block scalar has no label next to it).
        let found = section
            .children
            .iter()
            .any(|c| has_match(file.matches, &c.span));
        let hits: Vec<&Node> = section
            .children
            .iter()
            .filter(|c| {
                has_match(file.matches, &c.span) || (found && is_credential_name(c.key.as_deref()))
            })
            .collect();
        for h in &hits {
            self.removed_keys
                .push((name.to_string(), h.key.clone().unwrap_or_default()));
        }
        if !hits.is_empty() && hits.len() == section.children.len() && section.owns_lines() {
            out.push(Edit::delete(section.line_span()));
        } else {
            out.extend(
                hits.iter()
                    .filter(|h| h.owns_lines())
                    .map(|h| Edit::delete(h.line_span())),
            );
        }
        (section.children.len(), hits.len())
    }

    fn secret_removed(&self, name: &str) -> bool {
        self.secrets.iter().any(|s| s.emptied && s.name == name)
    }

    /// Removes `env:` items that hold a key or point at a removed one, and `envFrom` items that
    /// point at a removed Secret.
    fn workload_env(&mut self, file: &FileToFix<'_>, doc: &YamlDoc) {
        let text = file.text;
        let mut touched = false;
        for node in doc.all_nodes() {
            let key = node.key.as_deref();
            if key != Some("env") && key != Some("envFrom") {
                continue;
            }
            let items: Vec<&Node> = node.children.iter().filter(|c| c.item).collect();
            let found = items.iter().any(|item| has_match(file.matches, &item.span));
            let drop: Vec<&Node> = items
                .iter()
                .copied()
                .filter(|item| {
                    has_match(file.matches, &item.span)
                        || self.points_at_removed(text, item)
                        || (found
                            && item.get("value").is_some()
                            && is_credential_name(item.field(text, "name")))
                })
                .collect();
            if drop.is_empty() {
                continue;
            }
            touched = true;
            if drop.len() == items.len() && node.owns_lines() {
                self.edits.push(Edit::delete(node.line_span()));
            } else {
                self.edits
                    .extend(drop.iter().map(|d| Edit::delete(d.line_span())));
            }
        }
        if touched {
            let kind = doc
                .get("kind")
                .and_then(|k| k.scalar(text))
                .unwrap_or("workload");
            let name = doc
                .get("metadata")
                .and_then(|m| m.field(text, "name"))
                .unwrap_or("?");
            let account = doc
                .all_nodes()
                .into_iter()
                .find(|n| n.key.as_deref() == Some("serviceAccountName"))
                .and_then(|n| n.scalar(text))
                .unwrap_or("default");
            self.workloads
                .push(format!("{kind}/{name} (ServiceAccount `{account}`)"));
        }
    }

    fn points_at_removed(&self, text: &str, item: &Node) -> bool {
        let by_key = item
            .get("valueFrom")
            .and_then(|v| v.get("secretKeyRef"))
            .and_then(|r| {
                Some((
                    r.field(text, "name")?.to_string(),
                    r.field(text, "key")?.to_string(),
                ))
            });
        if let Some((secret, key)) = by_key {
            return self
                .removed_keys
                .iter()
                .any(|(s, k)| *s == secret && *k == key)
                || self.secret_removed(&secret);
        }
        let whole = item.get("secretRef").and_then(|r| r.field(text, "name"));
        whole.is_some_and(|s| self.secret_removed(s))
    }

    /// A Secret that is still referred to (a volume, an imagePullSecret, …) keeps its document;
    /// only its AWS entries go.
    fn keep_referenced_secrets(&mut self, text: &str, docs: &[YamlDoc]) {
        let removed: Vec<Range<usize>> = self.edits.iter().map(|e| e.range.clone()).collect();
        for cut in self.secrets.iter_mut().filter(|c| c.emptied) {
            let referenced = docs.iter().flat_map(|d| d.all_nodes()).any(|n| {
                n.scalar(text) == Some(cut.name.as_str())
                    && !cut.whole.contains(&n.span.start)
                    && !removed.iter().any(|r| r.contains(&n.span.start))
            });
            if referenced {
                cut.emptied = false;
            }
        }
    }

    fn finish(mut self, file: &FileToFix<'_>, yaml: &Yaml) -> Outcome {
        let mut notes = Vec::new();
        for cut in std::mem::take(&mut self.secrets) {
            if cut.emptied {
                self.edits.push(Edit::delete(cut.whole));
                notes.push(format!(
                    "Secret `{}` held only AWS keys and is removed from the manifest; delete it from the cluster as well and deactivate the key",
                    cut.name
                ));
            } else {
                self.edits.extend(cut.entries);
                notes.push(format!(
                    "Secret `{}`: the AWS key entries are removed; deactivate the key",
                    cut.name
                ));
            }
        }
        self.edits.extend(yaml.comment_line_edits(file.matches));
        let removed: Vec<Range<usize>> = self.edits.iter().map(|e| e.range.clone()).collect();
        let left = uncovered(file.matches, &removed);
        let manual = manual_list(
            &left,
            "Kubernetes",
            "remove the key by hand and give the pods an IAM role (IRSA or EKS Pod Identity)",
        );
        if let Some(outcome) = without_edits(&self.edits, &manual) {
            return outcome;
        }
        let arn = role_arn_placeholder(file.matches);
        for w in &self.workloads {
            notes.push(format!(
                "{w} now relies on the default credential chain: annotate the ServiceAccount with `eks.amazonaws.com/role-arn: {arn}` (IRSA, trust the cluster's OIDC provider) or create an EKS Pod Identity association (trust `pods.eks.amazonaws.com`)"
            ));
        }
        Outcome::Rewritten {
            text: apply_edits(file.text, self.edits),
            notes,
            manual,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::awsini::props::{assert_within, chunks, line_of, run};
    use proptest::prelude::*;

    const DOCS: &[&str] = &[
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  AWS_ACCESS_KEY_ID: {AKIA}\n  AWS_SECRET_ACCESS_KEY: \"{SECRET}\"",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: other}\ndata:\n  token: c2VjcmV0\n  AWS_SESSION_TOKEN: {TOKEN}",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        env:\n        - name: AWS_ACCESS_KEY_ID\n          valueFrom:\n            secretKeyRef: {name: creds, key: AWS_ACCESS_KEY_ID}\n        - name: MODE\n          value: prod # {AKIA}",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      env:\n        - {name: AWS_SECRET_ACCESS_KEY, value: \"{SECRET}\"}\n        - name: AWS_ACCESS_KEY_ID\n          value: {AKIA}",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  conf: |\n    a: 1\n    b: [2, 3]",
        "# just a comment {AKIA}",
    ];

    fn doc() -> impl Strategy<Value = String> {
        prop_oneof![4 => prop::sample::select(DOCS).prop_map(String::from), 1 => "([ -~]|\\PC){0,30}"]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn k8s_rewrites_stay_in_documents_with_a_finding(docs in prop::collection::vec(doc(), 1..6), seed: u64, crlf: bool) {
            let parts: Vec<String> = docs.iter().enumerate().map(|(i, d)| if i == 0 { d.clone() } else { format!("---\n{d}") }).collect();
            let (text, ranges) = chunks(&parts, seed, if crlf { "\r\n" } else { "\n" });
            let (matches, outcome) = run(&KubernetesRewriter, "k8s/app.yaml", &text);
            if let Outcome::Rewritten { text: new, .. } = outcome {
                let hit: Vec<usize> = matches.iter().map(|m| line_of(&text, m.span.start)).collect();
                let creds_hit = ranges.iter().zip(&parts).any(|(r, p)| p.contains("name: creds") && hit.iter().any(|h| r.contains(h)));
                // A removed document may take the next document's `---` with it.
                let allowed: Vec<Range<usize>> = ranges
                    .iter()
                    .zip(&parts)
                    .filter(|(r, p)| hit.iter().any(|h| r.contains(h)) || (creds_hit && p.contains("creds")))
                    .map(|(r, _)| r.start..r.end + 1)
                    .collect();
                assert_within("k8s/app.yaml", &text, &new, &allowed);
                prop_assert!(!crlf || new.split_inclusive('\n').all(|l| l.ends_with("\r\n")), "{}", new);
            }
        }

        #[test]
        fn arbitrary_text_never_panics_the_yaml_parser(text in "(?s)([ -~\\n\\t:#'\"{}\\[\\]|>-]|\\PC){0,400}", seed: u64) {
            let (keys, _) = chunks(&["apiVersion: v1\nkind: Secret\ndata:\n  AWS_ACCESS_KEY_ID: {AKIA}".into()], seed, "\n");
            let _ = run(&KubernetesRewriter, "a.yaml", &(keys.clone() + &text));
            let _ = run(&KubernetesRewriter, "a.yaml", &(text + &keys));
        }
    }

    #[test]
    fn issue_11_helm_templates_are_fixed_not_left_to_a_human() {
        // Helm's `{{- if … }}` lines at column 0 made tree-sitter-yaml turn the whole file into
        // an error node, which left every key to a human.
        let template = "{{- if .Values.enabled }}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"app.fullname\" . }}\n  labels:\n    {{- include \"app.labels\" . | nindent 4 }}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n          env:\n            - name: AWS_ACCESS_KEY_ID\n              value: {AKIA}\n            - name: AWS_SECRET_ACCESS_KEY\n              value: \"{SECRET}\"\n            - name: MODE\n              value: {{ .Values.mode | quote }}\n{{- end }}\n";
        let (text, _) = chunks(&[template.to_string()], 7, "\n");
        let (matches, outcome) = run(
            &KubernetesRewriter,
            "chart/templates/deployment.yaml",
            &text,
        );
        assert!(!matches.is_empty());
        let Outcome::Rewritten {
            text: new, manual, ..
        } = outcome
        else {
            panic!("a Helm template was not rewritten: {outcome:?}");
        };
        assert!(manual.is_empty(), "{manual:?}");
        assert!(
            !new.contains("AWS_ACCESS_KEY_ID") && !new.contains("AWS_SECRET_ACCESS_KEY"),
            "{new}"
        );
        for kept in [
            "{{- if .Values.enabled }}",
            "- name: MODE",
            "{{ .Values.mode | quote }}",
            "{{- end }}",
            "nindent 4 }}",
        ] {
            assert!(new.contains(kept), "{kept} lost:\n{new}");
        }
    }

    #[test]
    fn issue_11_a_document_the_parser_could_not_read_is_never_removed_with_a_secret() {
        // Found by `k8s_rewrites_stay_in_documents_with_a_finding` (CI, stop 17): the unclosed
        // flow collection `{([{` swallowed the next `---` and Secret into an error node, and
        // removing that "Secret document" deleted the garbage with it.
        // An unclosed quote (`"\g`) ran to the end of the file, and the Secret before it was
        // removed up to the end, the Secret after it (which no document showed) included.
        let creds = DOCS[0];
        let cases = [
            vec![
                creds.to_string(),
                "---\n{([{".into(),
                format!("---\n{creds}"),
            ],
            vec![
                "\u{1F300}".into(),
                format!("---\n{creds}"),
                "---\n\"\\g".into(),
                format!("---\n{creds}"),
            ],
        ];
        for parts in cases {
            let garbage = parts[parts.len() - 2]
                .trim_start_matches("---\n")
                .to_string();
            let (text, _) = chunks(&parts, 0, "\n");
            let (matches, outcome) = run(&KubernetesRewriter, "k8s/app.yaml", &text);
            assert!(!matches.is_empty());
            if let Outcome::Rewritten { text: new, .. } = &outcome {
                assert!(new.contains(&garbage), "{garbage} removed:\n{new}");
                let secrets = new.matches("kind: Secret").count();
                assert_eq!(secrets, 2, "a Secret document removed whole:\n{new}");
            }
        }
    }

    #[test]
    fn issue_11_a_key_the_kubernetes_plan_cannot_reach_is_left_while_the_rest_is_fixed() {
        let template = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  AWS_ACCESS_KEY_ID: {AKIA}\n  AWS_SECRET_ACCESS_KEY: \"{SECRET}\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  settings.ini: |\n    [aws]\n    key = {AKIA}\n";
        let (text, _) = chunks(&[template.to_string()], 3, "\n");
        let fix = crate::fix::fix_text(crate::detect::Detector::shared(), "k8s/app.yaml", &text);
        let new = fix
            .new
            .expect("the Secret is fixed although the ConfigMap's key is not");
        assert!(!new.contains("kind: Secret"), "{new}");
        assert!(
            new.contains("kind: ConfigMap") && new.contains("[aws]"),
            "{new}"
        );
        assert_eq!(fix.manual.len(), 1, "{:?}", fix.manual);
        assert_eq!(fix.manual[0].line, 16);
        assert!(
            fix.notes.iter().any(|n| n.contains("fixed in part")),
            "{:?}",
            fix.notes
        );
    }

    #[test]
    fn the_tree_follows_indentation_items_and_block_scalars() {
        let text = "a:\n  b: |\n    c: 1\n  d:\n  - e: 2\n    f: 3\n  -   g\n# c\nh: {x: 1}\n";
        let docs = parse_yaml(text).docs;
        let a = docs[0].get("a").unwrap();
        assert_eq!(
            a.get("b").unwrap().children.len(),
            0,
            "a block scalar has no children"
        );
        let d = a.get("d").unwrap();
        assert_eq!(d.children.len(), 2);
        assert_eq!(
            d.children[0].get("f").and_then(|f| f.scalar(text)),
            Some("3")
        );
        assert_eq!(d.children[1].scalar(text), Some("g"));
        assert_eq!(docs[0].get("h").unwrap().field(text, "x"), Some("1"));
    }
}
