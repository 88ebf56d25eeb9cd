//! The languages rolecall parses, their tree-sitter grammars, and detection from a file's path
//! (and, where the path says nothing, its first line).

/// A language (or file format) with a tree-sitter grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    /// Python (`.py`, `.pyw`, `python` shebangs). Jupyter notebooks are [`Language::Json`].
    Python,
    /// Ruby (`.rb`, `Gemfile`, `Rakefile`, `ruby` shebangs).
    Ruby,
    /// PHP (`.php`, `.phtml`), parsed with the grammar that includes the HTML around `<?php`.
    Php,
    /// JavaScript, with JSX (`.js`, `.mjs`, `.cjs`, `.jsx`, `node` shebangs).
    JavaScript,
    /// TypeScript (`.ts`, `.mts`, `.cts`).
    TypeScript,
    /// TypeScript with JSX (`.tsx`).
    Tsx,
    /// Java (`.java`).
    Java,
    /// Go (`.go`).
    Go,
    /// C# (`.cs`, `.csx`).
    CSharp,
    /// Bash and POSIX shell (`.sh`, `.bash`, `.zsh`, `.ksh`, shell shebangs), and dotenv files
    /// (`.env`, `.env.*`, `.envrc`), which are a subset of shell assignments in practice.
    Bash,
    /// PowerShell (`.ps1`, `.psm1`, `.psd1`, `pwsh` shebangs).
    PowerShell,
    /// HCL: Terraform and OpenTofu (`.tf`, `.tfvars`, `.hcl`).
    Hcl,
    /// YAML (`.yml`, `.yaml`). Which kind of YAML (compose, Kubernetes, workflows, CloudFormation)
    /// is for the rewriters to decide.
    Yaml,
    /// JSON (`.json`, Jupyter notebooks `.ipynb`).
    Json,
    /// Dockerfiles and Containerfiles (`Dockerfile`, `Dockerfile.*`, `*.dockerfile`).
    Dockerfile,
    /// Kotlin (`.kt`, `.kts`).
    Kotlin,
    /// Scala (`.scala`, `.sc`).
    Scala,
}

impl Language {
    /// Every language.
    pub const ALL: [Language; 17] = [
        Language::Python,
        Language::Ruby,
        Language::Php,
        Language::JavaScript,
        Language::TypeScript,
        Language::Tsx,
        Language::Java,
        Language::Go,
        Language::CSharp,
        Language::Bash,
        Language::PowerShell,
        Language::Hcl,
        Language::Yaml,
        Language::Json,
        Language::Dockerfile,
        Language::Kotlin,
        Language::Scala,
    ];

    /// A short lowercase name (`python`, `c#`, `dockerfile`).
    pub fn name(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Ruby => "ruby",
            Language::Php => "php",
            Language::JavaScript => "javascript",
            Language::TypeScript => "typescript",
            Language::Tsx => "tsx",
            Language::Java => "java",
            Language::Go => "go",
            Language::CSharp => "c#",
            Language::Bash => "shell",
            Language::PowerShell => "powershell",
            Language::Hcl => "hcl",
            Language::Yaml => "yaml",
            Language::Json => "json",
            Language::Dockerfile => "dockerfile",
            Language::Kotlin => "kotlin",
            Language::Scala => "scala",
        }
    }

    /// The tree-sitter grammar.
    pub fn grammar(self) -> tree_sitter::Language {
        match self {
            Language::Python => tree_sitter_python::LANGUAGE.into(),
            Language::Ruby => tree_sitter_ruby::LANGUAGE.into(),
            Language::Php => tree_sitter_php::LANGUAGE_PHP.into(),
            Language::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Language::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Language::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Language::Java => tree_sitter_java::LANGUAGE.into(),
            Language::Go => tree_sitter_go::LANGUAGE.into(),
            Language::CSharp => tree_sitter_c_sharp::LANGUAGE.into(),
            Language::Bash => tree_sitter_bash::LANGUAGE.into(),
            Language::PowerShell => tree_sitter_powershell::LANGUAGE.into(),
            Language::Hcl => tree_sitter_hcl::LANGUAGE.into(),
            Language::Yaml => tree_sitter_yaml::LANGUAGE.into(),
            Language::Json => tree_sitter_json::LANGUAGE.into(),
            Language::Dockerfile => tree_sitter_containerfile::LANGUAGE.into(),
            Language::Kotlin => tree_sitter_kotlin_ng::LANGUAGE.into(),
            Language::Scala => tree_sitter_scala::LANGUAGE.into(),
        }
    }

    /// The language of a file, from its path (extension or well-known name) and, for files
    /// without an extension, the interpreter named on a `#!` first line.
    pub fn detect(path: &str, text: &str) -> Option<Language> {
        let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
        let name = file.to_ascii_lowercase();
        Language::from_file_name(&name).or_else(|| {
            if name.contains('.') && !name.starts_with('.') {
                return None;
            }
            Language::from_shebang(text)
        })
    }

    /// The language named by a lowercase file name alone.
    fn from_file_name(name: &str) -> Option<Language> {
        match name {
            "dockerfile" | "containerfile" => return Some(Language::Dockerfile),
            "gemfile" | "rakefile" | "vagrantfile" | "guardfile" | "podfile" | "fastfile" => {
                return Some(Language::Ruby)
            }
            ".env" | ".envrc" | ".bashrc" | ".bash_profile" | ".profile" | ".zshrc" => {
                return Some(Language::Bash)
            }
            _ => {}
        }
        if name.starts_with("dockerfile.") || name.starts_with("containerfile.") {
            return Some(Language::Dockerfile);
        }
        if name.starts_with(".env.") {
            return Some(Language::Bash);
        }
        let ext = name.rsplit_once('.').map(|(_, e)| e)?;
        Some(match ext {
            "py" | "pyw" | "pyi" => Language::Python,
            "rb" | "rake" | "gemspec" | "ru" => Language::Ruby,
            "php" | "phtml" | "php3" | "php4" | "php5" | "php7" | "php8" => Language::Php,
            "js" | "mjs" | "cjs" | "jsx" => Language::JavaScript,
            "ts" | "mts" | "cts" => Language::TypeScript,
            "tsx" => Language::Tsx,
            "java" => Language::Java,
            "go" => Language::Go,
            "cs" | "csx" => Language::CSharp,
            "sh" | "bash" | "zsh" | "ksh" | "env" | "envrc" => Language::Bash,
            "ps1" | "psm1" | "psd1" => Language::PowerShell,
            "tf" | "tfvars" | "hcl" => Language::Hcl,
            "yml" | "yaml" => Language::Yaml,
            "json" | "ipynb" => Language::Json,
            "dockerfile" | "containerfile" => Language::Dockerfile,
            "kt" | "kts" => Language::Kotlin,
            "scala" | "sc" => Language::Scala,
            _ => return None,
        })
    }

    /// The language of a script from its `#!` line (`#!/usr/bin/env python3`, `#!/bin/bash -e`).
    pub fn from_shebang(text: &str) -> Option<Language> {
        let line = text.lines().next()?.strip_prefix("#!")?;
        let mut words = line.split_whitespace();
        let mut program = words.next()?.rsplit('/').next()?;
        if program == "env" {
            program = words.find(|w| !w.starts_with('-'))?;
        }
        let base = program.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
        Some(match base {
            "python" | "pypy" => Language::Python,
            "ruby" => Language::Ruby,
            "php" => Language::Php,
            "node" | "nodejs" => Language::JavaScript,
            "sh" | "bash" | "zsh" | "ksh" | "dash" | "ash" => Language::Bash,
            "pwsh" | "powershell" => Language::PowerShell,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_extension_name_and_shebang() {
        let cases = [
            ("app/settings.py", "", Some(Language::Python)),
            ("nb/analysis.ipynb", "{}", Some(Language::Json)),
            ("deploy/Dockerfile", "", Some(Language::Dockerfile)),
            ("deploy/Dockerfile.prod", "", Some(Language::Dockerfile)),
            ("svc/.env", "", Some(Language::Bash)),
            ("svc/.env.production", "", Some(Language::Bash)),
            ("main.tf", "", Some(Language::Hcl)),
            ("web/App.tsx", "", Some(Language::Tsx)),
            (
                "bin/tool",
                "#!/usr/bin/env python3\n",
                Some(Language::Python),
            ),
            ("bin/run", "#!/bin/bash -e\n", Some(Language::Bash)),
            (
                "bin/x",
                "#!/usr/bin/env -S node --harmony\n",
                Some(Language::JavaScript),
            ),
            ("README", "hello", None),
            ("notes.txt", "#!/bin/bash\n", None),
        ];
        for (path, text, want) in cases {
            assert_eq!(Language::detect(path, text), want, "{path}");
        }
    }

    #[test]
    fn every_grammar_loads_and_parses_its_empty_file() {
        for lang in Language::ALL {
            let mut parser = tree_sitter::Parser::new();
            parser
                .set_language(&lang.grammar())
                .unwrap_or_else(|e| panic!("{}: {e}", lang.name()));
            assert!(parser.parse("", None).is_some(), "{}", lang.name());
        }
    }
}
