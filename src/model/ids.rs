//! Video ids, URLs and URNs, normalised so that an export row and a `[[campaign.video]] id`
//! that name the same video compare equal, however each side wrote it.
//!
//! - YouTube: `dQ8mC2c4Rx0`, `https://www.youtube.com/watch?v=…`, `https://youtu.be/…`,
//!   `/shorts/…`, `/embed/…`, `/live/…`, `studio.youtube.com/video/…` → the 11-character id.
//! - Facebook: a numeric id, `{page id}_{post id}`, `…/videos/{id}`, `/reel/{id}`,
//!   `watch/?v={id}`, `video.php?v={id}`, `…/posts/{id or pfbid…}`,
//!   `permalink.php?story_fbid={id}` → that id.
//! - LinkedIn: `urn:li:activity:N`, `urn:li:ugcPost:N`, `urn:li:share:N` (also URL-encoded),
//!   `…/feed/update/urn:li:…`, `…/posts/{slug}-activity-N-…` → the URN. Two URNs match when
//!   their numbers agree.

use crate::model::Platform;

/// Whether a cell holds an id a spreadsheet turned into a rounded number (`1.22158E+17`).
pub fn looks_rounded(raw: &str) -> bool {
    let s = raw.trim();
    let Some((mantissa, exp)) = s.split_once(['E', 'e']) else {
        return false;
    };
    let exp = exp.strip_prefix('+').unwrap_or(exp);
    !mantissa.is_empty()
        && mantissa
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        && mantissa.chars().any(|c| c.is_ascii_digit())
        && !exp.is_empty()
        && exp.chars().all(|c| c.is_ascii_digit())
}

/// The message for an id a spreadsheet rounded.
pub fn rounded_message(raw: &str) -> String {
    format!(
        "`{}` is an id a spreadsheet rounded to a number, so it no longer names one video; \
         download the export again and import it as downloaded (or format the column as text \
         before saving)",
        raw.trim()
    )
}

/// A URL's host (lowercase, without `www.`/`m.`), percent-decoded path segments and query
/// pairs.
struct Url {
    host: String,
    segments: Vec<String>,
    query: Vec<(String, String)>,
}

fn parse_url(raw: &str) -> Option<Url> {
    let s = raw.trim();
    let absolute = if s.starts_with("https://") || s.starts_with("http://") {
        s.to_string()
    } else if let Some(rest) = s.strip_prefix("//") {
        format!("https://{rest}")
    } else {
        format!("https://{s}")
    };
    let parsed = url::Url::parse(&absolute).ok()?;
    let host = parsed.host_str()?.to_ascii_lowercase();
    if !host.contains('.') {
        return None;
    }
    let host = host
        .strip_prefix("www.")
        .or_else(|| host.strip_prefix("m."))
        .or_else(|| host.strip_prefix("mobile."))
        .unwrap_or(&host)
        .to_string();
    let segments = parsed
        .path_segments()
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .map(|p| {
            percent_encoding::percent_decode_str(p)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let query = parsed.query_pairs().into_owned().collect();
    Some(Url {
        host,
        segments,
        query,
    })
}

impl Url {
    fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
    fn after(&self, segment: &str) -> Option<&str> {
        let i = self
            .segments
            .iter()
            .position(|s| s.eq_ignore_ascii_case(segment))?;
        self.segments.get(i + 1).map(String::as_str)
    }
    fn first(&self) -> Option<&str> {
        self.segments.first().map(String::as_str)
    }
}

fn is_youtube_id(s: &str) -> bool {
    s.len() == 11
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The YouTube video id in an id or URL, if there is one.
pub fn youtube_id(raw: &str) -> Option<String> {
    let s = raw.trim();
    if is_youtube_id(s) {
        return Some(s.to_string());
    }
    let url = parse_url(s)?;
    let id = match url.host.as_str() {
        "youtu.be" => url.first(),
        "youtube.com" | "music.youtube.com" | "youtube-nocookie.com" => url
            .param("v")
            .or_else(|| url.after("shorts"))
            .or_else(|| url.after("embed"))
            .or_else(|| url.after("live"))
            .or_else(|| url.after("v")),
        "studio.youtube.com" => url.after("video"),
        _ => None,
    }?;
    is_youtube_id(id).then(|| id.to_string())
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())
}

/// The Facebook video or post id in an id or URL, if there is one.
pub fn facebook_id(raw: &str) -> Option<String> {
    let s = raw.trim();
    if all_digits(s) {
        return Some(s.to_string());
    }
    if let Some((a, b)) = s.split_once('_') {
        if all_digits(a) && all_digits(b) {
            return Some(s.to_string());
        }
    }
    let url = parse_url(s)?;
    if url.host == "fb.watch" {
        return url.first().map(|c| format!("fb.watch/{c}"));
    }
    if !(url.host.ends_with("facebook.com") || url.host == "fb.com") {
        return None;
    }
    let id = url
        .after("videos")
        .filter(|v| all_digits(v))
        .or_else(|| {
            // /{page}/videos/{slug}/{id}/
            let i = url.segments.iter().position(|s| s == "videos")?;
            url.segments[i + 1..]
                .iter()
                .map(String::as_str)
                .find(|v| all_digits(v))
        })
        .or_else(|| url.after("reel"))
        .or_else(|| url.after("reels"))
        .or_else(|| {
            (url.first() == Some("watch") || url.first() == Some("video.php"))
                .then(|| url.param("v"))
                .flatten()
        })
        .or_else(|| url.param("story_fbid"))
        .or_else(|| url.param("fbid"))
        .or_else(|| url.after("posts"))
        .or_else(|| url.after("permalink"))
        .or_else(|| {
            url.segments.iter().rev().map(String::as_str).find(|s| {
                all_digits(s)
                    || s.split_once('_')
                        .is_some_and(|(a, b)| all_digits(a) && all_digits(b))
            })
        })?;
    Some(id.to_string())
}

/// Whether a URL points at Instagram (Meta exports Instagram posts in the same layout).
pub fn is_instagram(raw: &str) -> bool {
    parse_url(raw).is_some_and(|u| u.host.ends_with("instagram.com"))
}

/// The shortcode of an Instagram reel or post URL, if it is one: `instagram.com/reel/{code}/`,
/// `/reels/{code}/`, `/p/{code}/`, `/tv/{code}/` or `/{user}/reel/{code}/` (with or without
/// `www.`, a query or the trailing `/`). The media id behind it is the account's to tell
/// (`GET /{ig-user-id}/media?fields=id,permalink,shortcode`).
pub fn instagram_shortcode(raw: &str) -> Option<String> {
    let url = parse_url(raw)?;
    if !(url.host == "instagram.com" || url.host.ends_with(".instagram.com")) {
        return None;
    }
    let kind = |s: &String| ["reel", "reels", "p", "tv"].contains(&s.to_ascii_lowercase().as_str());
    let code = match url.segments.as_slice() {
        [k, code, ..] if kind(k) => code,
        [_user, k, code, ..] if kind(k) => code,
        _ => return None,
    };
    let ok = !code.is_empty()
        && code.len() <= 64
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    ok.then(|| code.clone())
}

/// The LinkedIn post URN in a URN or URL, if there is one (`urn:li:activity:N` …).
pub fn linkedin_urn(raw: &str) -> Option<String> {
    let decoded = raw.trim().replace("%3A", ":").replace("%3a", ":");
    let lower = decoded.to_ascii_lowercase();
    for (pattern, kind) in [
        ("urn:li:activity:", "activity"),
        ("urn:li:ugcpost:", "ugcPost"),
        ("urn:li:share:", "share"),
        ("urn:li:post:", "post"),
    ] {
        if let Some(i) = lower.find(pattern) {
            let digits: String = lower[i + pattern.len()..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            if !digits.is_empty() {
                return Some(format!("urn:li:{kind}:{digits}"));
            }
        }
    }
    // https://www.linkedin.com/posts/company_slug-activity-6693157468235587584-AbCd
    if let Some(url) = parse_url(&decoded) {
        if url.host.ends_with("linkedin.com") {
            for seg in &url.segments {
                let seg = seg.to_ascii_lowercase();
                for (marker, kind) in [
                    ("activity-", "activity"),
                    ("ugcpost-", "ugcPost"),
                    ("share-", "share"),
                ] {
                    if let Some(i) = seg.rfind(marker) {
                        let digits: String = seg[i + marker.len()..]
                            .chars()
                            .take_while(|c| c.is_ascii_digit())
                            .collect();
                        if digits.len() >= 10 {
                            return Some(format!("urn:li:{kind}:{digits}"));
                        }
                    }
                }
            }
        }
    }
    None
}

/// The canonical id of a video as viewtally stores it: the platform's own id where one can be
/// read from what was written (an id or a URL), else what was written, trimmed.
pub fn normalize(platform: Platform, raw: &str) -> Result<String, String> {
    if looks_rounded(raw) {
        return Err(rounded_message(raw));
    }
    let s = raw.trim();
    let id = match platform {
        Platform::Youtube => youtube_id(s),
        Platform::Facebook => facebook_id(s),
        Platform::Linkedin => linkedin_urn(s),
        _ => None,
    };
    Ok(id.unwrap_or_else(|| s.to_string()))
}

/// The keys under which an id matches another: two ids name the same video when they share a
/// key. Facebook `{page}_{post}` also matches the bare post id; LinkedIn URNs match by number;
/// an Instagram reel or post URL matches by its shortcode (an export row carries its media id
/// and, from its permalink, the shortcode).
pub fn match_keys(platform: Platform, id: &str) -> Vec<String> {
    let id = normalize(platform, id).unwrap_or_else(|_| id.trim().to_string());
    match platform {
        Platform::Instagram => match instagram_shortcode(&id) {
            Some(code) => vec![format!("shortcode:{code}")],
            None => vec![id],
        },
        Platform::Facebook => {
            let mut keys = vec![id.clone()];
            if let Some((a, b)) = id.split_once('_') {
                if all_digits(a) && all_digits(b) {
                    keys.push(b.to_string());
                }
            }
            keys
        }
        Platform::Linkedin => match id.rsplit_once(':') {
            Some((prefix, n)) if prefix.starts_with("urn:li:") && all_digits(n) => {
                vec![n.to_string()]
            }
            _ => vec![id],
        },
        _ => vec![id],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instagram_urls_match_by_shortcode_and_media_ids_by_id() {
        let url = match_keys(
            Platform::Instagram,
            "https://www.instagram.com/reel/Cabc123/?igsh=x",
        );
        assert_eq!(url, vec!["shortcode:Cabc123".to_string()]);
        assert_eq!(
            match_keys(Platform::Instagram, "instagram.com/p/Cabc123"),
            url,
            "the same post in another URL form"
        );
        assert_eq!(
            match_keys(Platform::Instagram, " 17900000000000003 "),
            vec!["17900000000000003".to_string()]
        );
    }

    #[test]
    fn youtube_forms() {
        for form in [
            "dQ8mC2c4Rx0",
            " dQ8mC2c4Rx0 ",
            "https://www.youtube.com/watch?v=dQ8mC2c4Rx0",
            "https://www.youtube.com/watch?feature=share&v=dQ8mC2c4Rx0&t=42s",
            "http://youtube.com/watch?v=dQ8mC2c4Rx0#comments",
            "https://m.youtube.com/watch?v=dQ8mC2c4Rx0",
            "youtube.com/watch?v=dQ8mC2c4Rx0",
            "https://youtu.be/dQ8mC2c4Rx0",
            "https://youtu.be/dQ8mC2c4Rx0?si=AbCdEf&t=10",
            "https://www.youtube.com/shorts/dQ8mC2c4Rx0",
            "https://www.youtube.com/embed/dQ8mC2c4Rx0?autoplay=1",
            "https://www.youtube-nocookie.com/embed/dQ8mC2c4Rx0",
            "https://www.youtube.com/live/dQ8mC2c4Rx0",
            "https://music.youtube.com/watch?v=dQ8mC2c4Rx0",
            "https://studio.youtube.com/video/dQ8mC2c4Rx0/analytics/tab-overview",
            // percent-encoded parts are decoded
            "https://www.youtube.com/watch?v=dQ8mC2c4R%780",
            "https://www.youtube.com/shorts/%64Q8mC2c4Rx0",
        ] {
            assert_eq!(
                normalize(Platform::Youtube, form).unwrap(),
                "dQ8mC2c4Rx0",
                "{form}"
            );
            assert_eq!(match_keys(Platform::Youtube, form), vec!["dQ8mC2c4Rx0"]);
        }
        // an id starting with `-` (YouTube Studio pads it with a space)
        assert_eq!(youtube_id(" -bcdefghijk").as_deref(), Some("-bcdefghijk"));
        assert_eq!(youtube_id("https://vimeo.com/123"), None);
        assert_eq!(youtube_id("Total"), None);
        // anything else is kept as written (tests and tidy CSVs use short names)
        assert_eq!(normalize(Platform::Youtube, " yt1 ").unwrap(), "yt1");
    }

    #[test]
    fn facebook_forms() {
        for form in [
            "3112749605483751",
            "https://www.facebook.com/conectart/videos/3112749605483751/",
            "https://www.facebook.com/conectart/videos/dekujeme-operatori/3112749605483751/",
            "https://www.facebook.com/watch/?v=3112749605483751",
            "https://m.facebook.com/watch?v=3112749605483751&ref=sharing",
            "https://www.facebook.com/video.php?v=3112749605483751",
            "https://www.facebook.com/reel/3112749605483751",
            "https://www.facebook.com/conectart/posts/3112749605483751",
            "https://www.facebook.com/permalink.php?story_fbid=3112749605483751&id=100064",
            "facebook.com/100064_3112749605483751",
        ] {
            let keys = match_keys(Platform::Facebook, form);
            assert!(
                keys.contains(&"3112749605483751".to_string()),
                "{form}: {keys:?}"
            );
        }
        assert_eq!(
            normalize(Platform::Facebook, "100064_3112749605483751").unwrap(),
            "100064_3112749605483751"
        );
        assert_eq!(
            facebook_id("https://www.facebook.com/conectart/posts/pfbid02AbC").as_deref(),
            Some("pfbid02AbC")
        );
        assert_eq!(
            facebook_id("https://fb.watch/abc123/").as_deref(),
            Some("fb.watch/abc123")
        );
        assert_eq!(facebook_id("https://www.youtube.com/watch?v=x"), None);
        assert!(is_instagram("https://www.instagram.com/reel/Cabc/"));
        for form in [
            "https://www.instagram.com/reel/C1a-B_2/",
            "https://instagram.com/reel/C1a-B_2",
            "https://www.instagram.com/reels/C1a-B_2/",
            "https://www.instagram.com/p/C1a-B_2/?igsh=abc123",
            "www.instagram.com/tv/C1a-B_2/",
            "https://www.instagram.com/some.user/reel/C1a-B_2/?utm_source=ig_web_copy_link",
            "https://m.instagram.com/p/C1a-B_2/#x",
        ] {
            assert_eq!(
                instagram_shortcode(form).as_deref(),
                Some("C1a-B_2"),
                "{form}"
            );
        }
        for not in [
            "17895695668004550",
            "https://www.instagram.com/some.user/",
            "https://www.instagram.com/reel/",
            "https://www.instagram.com/stories/some.user/123/",
            "https://www.instagram.com/reel/C%2Fabc/",
            "https://www.facebook.com/reel/123/",
            "https://notinstagram.com/reel/Cabc/",
        ] {
            assert_eq!(instagram_shortcode(not), None, "{not}");
        }
    }

    #[test]
    fn linkedin_forms() {
        let n = "6693157468235587584";
        for (form, urn) in [
            ("urn:li:activity:6693157468235587584", "urn:li:activity:"),
            ("urn:li:ugcPost:6693157468235587584", "urn:li:ugcPost:"),
            ("URN:LI:UGCPOST:6693157468235587584", "urn:li:ugcPost:"),
            ("urn:li:share:6693157468235587584", "urn:li:share:"),
            (
                "https://www.linkedin.com/feed/update/urn:li:activity:6693157468235587584/",
                "urn:li:activity:",
            ),
            (
                "https://www.linkedin.com/feed/update/urn%3Ali%3AugcPost%3A6693157468235587584",
                "urn:li:ugcPost:",
            ),
            (
                "https://www.linkedin.com/posts/conectart_dekujeme-operatori-activity-6693157468235587584-AbCd",
                "urn:li:activity:",
            ),
            (
                "https://www.linkedin.com/embed/feed/update/urn:li:share:6693157468235587584",
                "urn:li:share:",
            ),
        ] {
            assert_eq!(
                normalize(Platform::Linkedin, form).unwrap(),
                format!("{urn}{n}"),
                "{form}"
            );
            assert_eq!(match_keys(Platform::Linkedin, form), vec![n.to_string()]);
        }
        assert_eq!(
            linkedin_urn("https://www.linkedin.com/company/conectart"),
            None
        );
    }

    #[test]
    fn rounded_ids_are_recognised() {
        for r in ["1.22158E+17", "1,22158E+17", "6.1571E+13", "3.1127496E15"] {
            assert!(looks_rounded(r), "{r}");
            assert!(normalize(Platform::Facebook, r).is_err());
        }
        for ok in ["3112749605483751", "dQ8mC2c4Rx0", "E+17", "1.5"] {
            assert!(!looks_rounded(ok), "{ok}");
        }
    }
}
