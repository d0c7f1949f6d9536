//! Issue 17: export variants seen in real downloaded files (German and Portuguese Studio
//! tables, cut tables, net changes, engaged views, UTF-16 Meta files, boosted LinkedIn posts,
//! Instagram exports, photo posts). One synthetic fixture per variant
//! (tests/fixtures/exports/variants/generate.py), imported into an empty store; the stored
//! values are checked exactly.

use super::common::*;

fn config() -> String {
    ConfigBuilder::new()
        .campaign("launch", "Launch")
        .key("launched", "2020-07-24T09:00:00+02:00")
        .video("youtube", "dQ8mC2c4Rx0")
        .video("youtube", "-bQ3xZ9kLmN")
        .video("facebook", "3112749605483751")
        .video("instagram", "17912345678901234")
        .video("linkedin", "urn:li:ugcPost:6693157468235587584")
        .video("linkedin", "urn:li:activity:6692000000000000001")
        .build()
}

/// What importing a variant must do.
enum Expect {
    /// Imported: exactly these stored observations (export CSV lines, sorted), and these
    /// texts in the import's output.
    Stored(&'static [&'static str], &'static [&'static str]),
    /// Refused (exit code 2) with these texts in the message; nothing stored.
    Refused(&'static [&'static str]),
}
use Expect::*;

const AT: &str = "2020-08-02T22:00:00Z";

/// (variant, fixture under variants/, extra arguments, expectation)
fn cases() -> Vec<(&'static str, &'static str, &'static [&'static str], Expect)> {
    vec![
        (
            "1. German Studio table: soft hyphens, `Video`, `Gesamt`",
            "yt-de/Tabellendaten.csv",
            &[],
            Stored(
                &[
                    "youtube,-bQ3xZ9kLmN,,impressions,total,AT,2000",
                    "youtube,-bQ3xZ9kLmN,,views,total,AT,90",
                    "youtube,-bQ3xZ9kLmN,,watch_time_s,total,AT,9000",
                    "youtube,dQ8mC2c4Rx0,,impressions,total,AT,51234",
                    "youtube,dQ8mC2c4Rx0,,views,total,AT,4102",
                    "youtube,dQ8mC2c4Rx0,,watch_time_s,total,AT,444444",
                ],
                &["(youtube-studio: Table data; German headers): 6 rows → 6 new"],
            ),
        ),
        (
            "2. Portuguese (Brazil) Studio table",
            "yt-pt/Dados da tabela.csv",
            &[],
            Stored(
                &[
                    "youtube,-bQ3xZ9kLmN,,impressions,total,AT,2000",
                    "youtube,-bQ3xZ9kLmN,,views,total,AT,90",
                    "youtube,-bQ3xZ9kLmN,,watch_time_s,total,AT,9000",
                    "youtube,dQ8mC2c4Rx0,,impressions,total,AT,51234",
                    "youtube,dQ8mC2c4Rx0,,views,total,AT,4102",
                    "youtube,dQ8mC2c4Rx0,,watch_time_s,total,AT,444444",
                ],
                &["Portuguese headers"],
            ),
        ),
        (
            "3. English footer `Showing top 500 results`",
            "yt-en-top500/Table data.csv",
            &[],
            Stored(
                &[
                    "youtube,-bQ3xZ9kLmN,,likes,total,AT,3",
                    "youtube,-bQ3xZ9kLmN,,views,total,AT,90",
                    "youtube,-bQ3xZ9kLmN,,watch_time_s,total,AT,9000",
                    "youtube,dQ8mC2c4Rx0,,likes,total,AT,140",
                    "youtube,dQ8mC2c4Rx0,,views,total,AT,4102",
                    "youtube,dQ8mC2c4Rx0,,watch_time_s,total,AT,444444",
                ],
                &["note: line 5: `Showing top 500 results`: YouTube Studio cut this table"],
            ),
        ),
        (
            "3. German footer with soft hyphens",
            "yt-de-top500/Tabellendaten.csv",
            &[],
            Stored(
                &[
                    "youtube,-bQ3xZ9kLmN,,impressions,total,AT,2000",
                    "youtube,-bQ3xZ9kLmN,,views,total,AT,90",
                    "youtube,-bQ3xZ9kLmN,,watch_time_s,total,AT,9000",
                    "youtube,dQ8mC2c4Rx0,,impressions,total,AT,51234",
                    "youtube,dQ8mC2c4Rx0,,views,total,AT,4102",
                    "youtube,dQ8mC2c4Rx0,,watch_time_s,total,AT,444444",
                ],
                &["note: line 5: `Die 500 besten Ergebnisse werden angezeigt`"],
            ),
        ),
        (
            "4. net changes: negative likes and `#NAME?` drop only those values",
            "yt-en-net/Table data.csv",
            &[],
            Stored(
                &[
                    "youtube,-bQ3xZ9kLmN,,comments,total,AT,1",
                    "youtube,-bQ3xZ9kLmN,,likes,total,AT,3",
                    "youtube,-bQ3xZ9kLmN,,views,total,AT,90",
                    "youtube,-bQ3xZ9kLmN,,watch_time_s,total,AT,9000",
                    "youtube,dQ8mC2c4Rx0,,views,total,AT,4102",
                    "youtube,dQ8mC2c4Rx0,,watch_time_s,total,AT,444444",
                ],
                &[
                    "note: column `Likes`: 1 value dropped, the rest of its row kept (first at line 3, column 7: `-5` is negative",
                    "net changes",
                    "note: column `Comments added`: 1 value dropped, the rest of its row kept (first at line 3, column 8: `#NAME?` is not a number)",
                ],
            ),
        ),
        (
            "4. a bad views cell is still a bad row",
            "yt-en-bad-views/Table data.csv",
            &[],
            Refused(&["Table data.csv:2:5: column `Views`: `#NAME?` is not a number"]),
        ),
        (
            "4. a bad views cell with --skip-bad-rows: the row goes, the others stay",
            "yt-en-bad-views/Table data.csv",
            &["--skip-bad-rows"],
            Stored(
                &[
                    "youtube,-bQ3xZ9kLmN,,likes,total,AT,3",
                    "youtube,-bQ3xZ9kLmN,,views,total,AT,90",
                ],
                &["skipped 1 bad row"],
            ),
        ),
        (
            "5. engaged views beside views",
            "yt-en-engaged/Table data.csv",
            &[],
            Stored(
                &[
                    "youtube,-bQ3xZ9kLmN,,engaged_views,total,AT,50",
                    "youtube,-bQ3xZ9kLmN,,views,total,AT,90",
                    "youtube,-bQ3xZ9kLmN,,watch_time_s,total,AT,9000",
                    "youtube,dQ8mC2c4Rx0,,engaged_views,total,AT,3050",
                    "youtube,dQ8mC2c4Rx0,,views,total,AT,4102",
                    "youtube,dQ8mC2c4Rx0,,watch_time_s,total,AT,444444",
                ],
                &[],
            ),
        ),
        (
            "5. engaged views only: refused with its metrics and what to tick",
            "yt-en-engaged-only/Table data.csv",
            &[],
            Refused(&[
                "missing `Views` (the file's metrics are `Engaged views`, `Average view duration`; \
                 in YouTube Studio's Advanced mode add the metric Views to the table, then export again)",
            ]),
        ),
        (
            "6. Meta Page-level export (UTF-16, `sep=,`)",
            "meta-page/page.csv",
            &[],
            Refused(&[
                "page.csv: a Meta Business Suite Page-level export (`Views` per day for the whole Page",
                "export Content → Posts/Videos instead",
            ]),
        ),
        (
            "6. Meta post export in UTF-16 with `sep=,`",
            "meta-utf16/posts.csv",
            &[],
            Stored(
                &[
                    "facebook,3112749605483751,Conectart,comments,total,AT,46",
                    "facebook,3112749605483751,Conectart,likes,total,AT,311",
                    "facebook,3112749605483751,Conectart,reach,total,AT,4100",
                    "facebook,3112749605483751,Conectart,shares,total,AT,58",
                    "facebook,3112749605483751,Conectart,views,total,AT,5234",
                ],
                &["(meta: English headers)"],
            ),
        ),
        (
            "7. LinkedIn boosted posts: the Total row, else the sum; posts counted once",
            "li-boosted/boosted_content_1596146400000.xlsx",
            &[],
            Stored(
                &[
                    "linkedin,urn:li:activity:6692000000000000001,,comments,total,AT,1",
                    "linkedin,urn:li:activity:6692000000000000001,,impressions,total,AT,1500",
                    "linkedin,urn:li:activity:6692000000000000001,,likes,total,AT,14",
                    "linkedin,urn:li:activity:6692000000000000001,,shares,total,AT,3",
                    "linkedin,urn:li:activity:6692000000000000001,,views,total,AT,405",
                    "linkedin,urn:li:ugcPost:6693157468235587584,,comments,total,AT,17",
                    "linkedin,urn:li:ugcPost:6693157468235587584,,impressions,total,AT,9876",
                    "linkedin,urn:li:ugcPost:6693157468235587584,,likes,total,AT,142",
                    "linkedin,urn:li:ugcPost:6693157468235587584,,shares,total,AT,31",
                    "linkedin,urn:li:ugcPost:6693157468235587584,,views,total,AT,2400",
                ],
                &[
                    "10 rows → 10 new, 0 updated",
                    "`urn:li:activity:6692000000000000001` listed in several rows (organic and sponsored) without a `Total` row; their rows were added up",
                ],
            ),
        ),
        (
            "8. Instagram: likes and the account username",
            "meta-instagram/instagram.csv",
            &[],
            Stored(
                &[
                    "instagram,17912345678901234,conectart.cz,comments,total,AT,27",
                    "instagram,17912345678901234,conectart.cz,likes,total,AT,420",
                    "instagram,17912345678901234,conectart.cz,reach,total,AT,5100",
                    "instagram,17912345678901234,conectart.cz,saves,total,AT,19",
                    "instagram,17912345678901234,conectart.cz,shares,total,AT,33",
                    "instagram,17912345678901234,conectart.cz,views,total,AT,7000",
                ],
                &[],
            ),
        ),
        (
            // not listed in the campaign (a listed post id would name it either way)
            "8. Facebook photo post: named by its Post ID",
            "meta-photo/facebook.csv",
            &["--all-videos"],
            Stored(
                &[
                    "facebook,122158761234500001,Conectart,comments,total,AT,2",
                    "facebook,122158761234500001,Conectart,likes,total,AT,20",
                    "facebook,122158761234500001,Conectart,reach,total,AT,700",
                    "facebook,122158761234500001,Conectart,shares,total,AT,1",
                    "facebook,122158761234500001,Conectart,views,total,AT,800",
                ],
                &[],
            ),
        ),
    ]
}

fn stored(env: &Env) -> Vec<String> {
    let r = env
        .run(&["export", "--format", "csv", "--campaign", "launch"])
        .ok();
    let mut lines: Vec<String> = r.stdout.lines().skip(1).map(str::to_string).collect();
    lines.sort();
    lines
}

#[test]
fn real_export_variants_store_exactly_these_values() {
    for (variant, rel, extra, expect) in cases() {
        let env = Env::new();
        env.write("config/viewtally.toml", &config());
        let f = env.fixture("exports/variants", rel);
        let mut args = vec!["import", "--as-of", "2020-08-02"];
        args.extend_from_slice(extra);
        args.push(&f);
        let r = env.run(&args);
        let output = format!("{}{}", r.stdout, r.stderr);
        match expect {
            Stored(values, texts) => {
                assert_eq!(r.code, 0, "{variant}: {output}");
                let want: Vec<String> = values.iter().map(|v| v.replace("AT", AT)).collect();
                assert_eq!(stored(&env), want, "{variant}: {output}");
                for t in texts {
                    assert!(output.contains(t), "{variant}: `{t}` in {output}");
                }
            }
            Refused(texts) => {
                assert_eq!(r.code, 2, "{variant}: {output}");
                for t in texts {
                    assert!(r.stderr.contains(t), "{variant}: `{t}` in {}", r.stderr);
                }
                assert!(stored(&env).is_empty(), "{variant}: nothing stored");
            }
        }
    }
}

/// A `sep=` first line does not shift line numbers: a bad row of a UTF-16 Meta export is
/// named by the line a text editor shows.
#[test]
fn utf16_sep_files_keep_their_line_numbers() {
    let env = Env::new();
    env.write("config/viewtally.toml", &config());
    let text = "\u{feff}sep=,\r\nPost ID,Page name,Permalink,Date,Views\r\n\
                122158761234567890,Conectart,https://www.facebook.com/conectart/videos/3112749605483751/,Lifetime,lots\r\n";
    let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let p = env.path("in/posts.csv");
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, bytes).unwrap();
    let p = p.to_string_lossy().into_owned();
    let r = env.run(&["import", "--as-of", "2020-08-02", &p]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains(&format!("{p}:3:5: column `Views`: `lots`")),
        "{}",
        r.stderr
    );
}

/// A UTF-16 export cut short is refused as incomplete, wherever the cut falls (inside a
/// character, inside a row, or right after a line break, where it reads the complete rows).
#[test]
fn cut_utf16_files_are_refused_as_incomplete() {
    let env = Env::new();
    env.write("config/viewtally.toml", &config());
    let whole =
        std::fs::read(repo("tests/fixtures/exports/variants/meta-utf16/posts.csv")).unwrap();
    let p = env.path("in/posts.csv");
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    let path = p.to_string_lossy().into_owned();
    for cut in [
        whole.len() - 1,
        whole.len() - 3,
        whole.len() - 40,
        whole.len() / 2 + 1,
    ] {
        std::fs::write(&p, &whole[..cut]).unwrap();
        let r = env.run(&["import", "--as-of", "2020-08-02", &path]);
        assert_eq!(r.code, 2, "cut at {cut}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains("ends in the middle of line 3"),
            "cut at {cut}: {}",
            r.stderr
        );
    }
}

/// An Instagram video listed as its reel URL takes the export row whose permalink is that
/// reel, and the reading is stored under the media id, as `collect` stores it.
#[test]
fn instagram_reel_url_in_the_config_matches_the_export_by_permalink() {
    let env = Env::new();
    env.write(
        "config/viewtally.toml",
        &ConfigBuilder::new()
            .campaign("launch", "Launch")
            .key("launched", "2020-07-24T09:00:00+02:00")
            .video(
                "instagram",
                "https://instagram.com/reel/C9AbCdEfGhI?igsh=abc",
            )
            .build(),
    );
    let f = env.fixture("exports/variants", "meta-instagram/instagram.csv");
    let r = env.run(&["import", "--as-of", "2020-08-02", &f]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let stored = stored(&env);
    assert!(
        stored.contains(&format!(
            "instagram,17912345678901234,conectart.cz,views,total,{AT},7000"
        )),
        "{stored:?}\n{}{}",
        r.stdout,
        r.stderr
    );
    assert_eq!(stored.len(), 6, "{stored:?}");
}
