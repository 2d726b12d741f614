//! HTML text escaping (the only way text reaches a page) and the page
//! layout: navigation, language switch, sign-out form.

use super::i18n::{Lang, t};
use super::session::Session;

/// Escapes `text` for an HTML text node or a double-quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes `text` for a URL path segment or query value.
pub(super) fn url_part(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A hidden form field carrying the session's CSRF token.
pub(super) fn csrf_field(session: &Session) -> String {
    format!(
        r#"<input type="hidden" name="csrf" value="{}">"#,
        escape(&session.csrf)
    )
}

/// Which navigation entry is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Nav {
    Overview,
    Assessments,
    Warnings,
    Report,
}

/// A whole page: `body` is already escaped HTML.
pub(super) fn page(session: &Session, nav: Nav, title: &str, body: &str) -> String {
    let lang = session.lang;
    let link = |target: Nav, href: &str, key: &str| {
        let current = if nav == target {
            r#" aria-current="page""#
        } else {
            ""
        };
        format!(
            r#"<li><a href="{href}"{current}>{}</a></li>"#,
            escape(t(lang, key))
        )
    };
    let other = match lang {
        Lang::En => Lang::Fr,
        Lang::Fr => Lang::En,
    };
    let who = if session.caller.name.is_empty() {
        &session.caller.subject
    } else {
        &session.caller.name
    };
    let roles: Vec<&str> = session.caller.roles.iter().map(|r| r.as_str()).collect();
    format!(
        r##"<!DOCTYPE html>
<html lang="{code}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Tocsin</title>
<link rel="stylesheet" href="/assets/style.css">
<script src="/assets/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">{skip}</a>
<header>
<p class="brand">Tocsin · {org}</p>
<nav aria-label="{nav_label}"><ul>{overview}{assessments}{warnings}{report}</ul></nav>
<div class="user">
<span>{who} ({roles})</span>
<a href="?lang={other}" lang="{other}" hreflang="{other}">{other_name}</a>
<form method="post" action="/logout">{csrf}<button type="submit">{logout}</button></form>
</div>
</header>
<main id="main">
<h1>{title}</h1>
{body}
</main>
</body>
</html>
"##,
        code = lang.code(),
        title = escape(title),
        skip = escape(t(lang, "nav.skip")),
        org = escape(&session.caller.organisation),
        nav_label = escape(t(lang, "nav.label")),
        overview = link(Nav::Overview, "/overview", "nav.overview"),
        assessments = link(Nav::Assessments, "/assessments", "nav.assessments"),
        warnings = link(Nav::Warnings, "/warnings", "nav.warnings"),
        report = link(Nav::Report, "/report", "nav.report"),
        who = escape(who),
        roles = escape(&roles.join(", ")),
        other = other.code(),
        other_name = escape(t(other, "lang.name")),
        csrf = csrf_field(session),
        logout = escape(t(lang, "nav.logout")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup() {
        for (raw, escaped) in [
            ("plain", "plain"),
            ("<script>", "&lt;script&gt;"),
            (r#"a"b'c"#, "a&quot;b&#39;c"),
            ("&amp;", "&amp;amp;"),
            ("Côte d'Ivoire", "Côte d&#39;Ivoire"),
        ] {
            assert_eq!(escape(raw), escaped, "{raw}");
        }
    }

    #[test]
    fn url_parts_are_percent_encoded() {
        assert_eq!(url_part("au/x y"), "au%2Fx%20y");
        assert_eq!(url_part("w-1.2_~"), "w-1.2_~");
    }
}
