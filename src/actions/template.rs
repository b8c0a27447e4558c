//! `{{placeholder}}` templates in the catalog: parsed once at load (unknown names are load errors), rendered
//! per execution from a [`Values`] lookup.
//!
//! A placeholder is `{{name}}` with optional spaces inside the braces; names are parameter names or the
//! built-in names (`target.name`, `target.namespace`, `target.kind`, `target.resource`, `timeout`,
//! `execution`, `helm.release`, `helm.storageNamespace`, `captured.<capture>` in inverse actions).
//! A rendered argument that *starts* with a placeholder may not render to text starting with `-`: kubectl would
//! read it as a flag (`--all`), so a parameter value can never add a flag the template did not write.

use std::fmt;

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Literal(String),
    Placeholder(String),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    segments: Vec<Segment>,
}

/// Why a template does not parse or render.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("'{{{{' without a closing '}}}}' in '{0}'")]
    Unclosed(String),
    #[error("empty placeholder '{{{{}}}}' in '{0}'")]
    Empty(String),
    #[error("no value for '{{{{{0}}}}}'")]
    Missing(String),
    #[error("'{template}' would render to '{rendered}', which kubectl would read as a flag")]
    FlagInjection { template: String, rendered: String },
}

/// Where a template finds its values.
pub trait Values {
    /// The text for placeholder `name`, if it has one.
    fn value(&self, name: &str) -> Option<String>;
}

impl<F: Fn(&str) -> Option<String>> Values for F {
    fn value(&self, name: &str) -> Option<String> {
        self(name)
    }
}

impl Template {
    /// Parses `text`.
    ///
    /// # Errors
    /// An unclosed `{{` or an empty placeholder.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let mut segments = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                segments.push(Segment::Literal(rest[..start].to_owned()));
            }
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .ok_or_else(|| TemplateError::Unclosed(text.to_owned()))?;
            let name = after[..end].trim();
            if name.is_empty() {
                return Err(TemplateError::Empty(text.to_owned()));
            }
            segments.push(Segment::Placeholder(name.to_owned()));
            rest = &after[end + 2..];
        }
        if !rest.is_empty() {
            segments.push(Segment::Literal(rest.to_owned()));
        }
        Ok(Self {
            source: text.to_owned(),
            segments,
        })
    }

    /// The placeholder names, in order.
    pub fn placeholders(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Placeholder(name) => Some(name.as_str()),
            Segment::Literal(_) => None,
        })
    }

    /// Whether the template is exactly one placeholder (its value is used as is, e.g. a number).
    #[must_use]
    pub fn whole_placeholder(&self) -> Option<&str> {
        match self.segments.as_slice() {
            [Segment::Placeholder(name)] => Some(name),
            _ => None,
        }
    }

    /// The text as written in the catalog.
    #[must_use]
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Renders the template.
    ///
    /// # Errors
    /// A placeholder without a value.
    pub fn render(&self, values: &dyn Values) -> Result<String, TemplateError> {
        let mut out = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Literal(text) => out.push_str(text),
                Segment::Placeholder(name) => out.push_str(
                    &values
                        .value(name)
                        .ok_or_else(|| TemplateError::Missing(name.clone()))?,
                ),
            }
        }
        Ok(out)
    }

    /// Renders the template as one command-line argument: like [`Template::render`], and an argument whose
    /// template starts with a placeholder may not start with `-` once rendered.
    ///
    /// # Errors
    /// A missing value, or a value that would turn the argument into a flag.
    pub fn render_arg(&self, values: &dyn Values) -> Result<String, TemplateError> {
        let rendered = self.render(values)?;
        if matches!(self.segments.first(), Some(Segment::Placeholder(_)))
            && rendered.starts_with('-')
        {
            return Err(TemplateError::FlagInjection {
                template: self.source.clone(),
                rendered,
            });
        }
        Ok(rendered)
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(name: &str) -> Option<String> {
        match name {
            "target.name" => Some("web".into()),
            "replicas" => Some("3".into()),
            "evil" => Some("--all".into()),
            _ => None,
        }
    }

    #[test]
    fn placeholders_render_with_spaces_and_literals_kept() {
        let t = Template::parse("deployment/{{ target.name }} x{{replicas}}").unwrap();
        assert_eq!(
            t.placeholders().collect::<Vec<_>>(),
            ["target.name", "replicas"]
        );
        assert_eq!(t.render(&values).unwrap(), "deployment/web x3");
        assert_eq!(
            Template::parse("{{replicas}}").unwrap().whole_placeholder(),
            Some("replicas")
        );
        assert_eq!(
            Template::parse("plain").unwrap().render(&values).unwrap(),
            "plain"
        );
    }

    #[test]
    fn unclosed_empty_and_missing_placeholders_are_errors() {
        assert!(matches!(
            Template::parse("a {{b"),
            Err(TemplateError::Unclosed(_))
        ));
        assert!(matches!(
            Template::parse("a {{ }}"),
            Err(TemplateError::Empty(_))
        ));
        let t = Template::parse("{{nope}}").unwrap();
        assert_eq!(
            t.render(&values),
            Err(TemplateError::Missing("nope".into()))
        );
    }

    #[test]
    fn a_value_cannot_become_a_flag() {
        let t = Template::parse("{{evil}}").unwrap();
        assert!(matches!(
            t.render_arg(&values),
            Err(TemplateError::FlagInjection { .. })
        ));
        // Inside a flag the template wrote, a leading dash in the value is only a value.
        let t = Template::parse("--selector={{evil}}").unwrap();
        assert_eq!(t.render_arg(&values).unwrap(), "--selector=--all");
    }
}
