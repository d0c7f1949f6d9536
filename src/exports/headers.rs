//! Column names of the platforms' exports, per UI language.
//!
//! Exports follow the language of the account that downloaded them, so columns are matched by
//! meaning through these tables, never by position. A new language is one more [`Language`]
//! entry in [`LANGUAGES`]; a renamed column is one more alias. Matching ignores case, quotes,
//! repeated spaces and a byte-order mark. The English names are checked against the platforms'
//! exports (DESIGN.md); the other languages are the platforms' UI terms as best known and are
//! the place to correct a name a real export spells differently.

use std::collections::{BTreeMap, HashMap};

/// What a column means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// The day a row is about (YouTube Chart data, Meta per-day exports, LinkedIn Metrics).
    Date,
    /// YouTube `Content`: the video id.
    VideoId,
    /// A video's or post's title.
    Title,
    /// When the video or post was published.
    PublishTime,
    /// Meta `Post ID`.
    PostId,
    /// Meta `Page ID`.
    PageId,
    /// Meta `Page name`.
    PageName,
    /// Meta `Permalink`.
    Permalink,
    /// Meta / LinkedIn post type.
    PostType,
    /// LinkedIn `Post link` (the post URN is inside).
    PostLink,
    /// LinkedIn `Created date`.
    CreatedDate,
    /// LinkedIn `Content Type`: `Organic`, `Sponsored` or `Total` (a boosted post has a row
    /// of each).
    Distribution,
    // Metrics
    Views,
    /// YouTube `Engaged views` (stored as its own metric, `engaged_views`).
    EngagedViews,
    /// LinkedIn `Off-site views`, added to the on-site views.
    ViewsOffSite,
    Likes,
    Comments,
    Shares,
    /// Instagram `Saves`.
    Saves,
    Impressions,
    Reach,
    /// Watch time in hours (YouTube).
    WatchTimeHours,
    /// Watch time in seconds (Meta `Seconds viewed`).
    WatchTimeSeconds,
    /// YouTube `Average view duration`: not stored, but named when a file lacks `Views`.
    AverageViewDuration,
}

impl Field {
    /// Whether the column holds a metric (a number viewtally can store).
    pub fn is_metric(self) -> bool {
        matches!(
            self,
            Field::Views
                | Field::EngagedViews
                | Field::ViewsOffSite
                | Field::Likes
                | Field::Comments
                | Field::Shares
                | Field::Saves
                | Field::Impressions
                | Field::Reach
                | Field::WatchTimeHours
                | Field::WatchTimeSeconds
        )
    }
}

/// Which platform's export a table of names belongs to (the same word can mean different
/// things on two platforms: Czech `Zobrazení` is impressions on YouTube, views on Facebook).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    YouTube,
    Meta,
    LinkedIn,
}

type Aliases = &'static [(Field, &'static [&'static str])];

/// One UI language: its column names per platform and how it writes dates and numbers.
pub struct Language {
    /// ISO 639-1 code.
    pub code: &'static str,
    /// English name, for messages.
    pub name: &'static str,
    /// Whether `05/07/2020` is 5 July (true) or May 7 (false).
    pub day_first: bool,
    /// Whether the decimal separator is a comma.
    pub decimal_comma: bool,
    /// Month names and abbreviations, lowercase, January first.
    pub months: [&'static [&'static str]; 12],
    /// What YouTube calls the summary row at the top of Table data.
    pub total_row: &'static [&'static str],
    pub youtube: Aliases,
    pub meta: Aliases,
    pub linkedin: Aliases,
}

impl Language {
    pub fn aliases(&self, format: Format) -> Aliases {
        match format {
            Format::YouTube => self.youtube,
            Format::Meta => self.meta,
            Format::LinkedIn => self.linkedin,
        }
    }
    /// The decimal separator this language writes.
    pub fn decimal(&self) -> char {
        if self.decimal_comma {
            ','
        } else {
            '.'
        }
    }
}

use Field::*;

/// Every known language; English first (it is also the fallback for untranslated columns).
pub static LANGUAGES: &[Language] = &[
    Language {
        code: "en",
        name: "English",
        day_first: false,
        decimal_comma: false,
        months: [
            &["jan", "january"],
            &["feb", "february"],
            &["mar", "march"],
            &["apr", "april"],
            &["may"],
            &["jun", "june"],
            &["jul", "july"],
            &["aug", "august"],
            &["sep", "sept", "september"],
            &["oct", "october"],
            &["nov", "november"],
            &["dec", "december"],
        ],
        total_row: &["total"],
        youtube: &[
            (Date, &["Date"]),
            (VideoId, &["Content", "Video ID"]),
            (Title, &["Video title"]),
            (PublishTime, &["Video publish time"]),
            (Views, &["Views"]),
            (EngagedViews, &["Engaged views"]),
            (AverageViewDuration, &["Average view duration"]),
            (WatchTimeHours, &["Watch time (hours)"]),
            (Likes, &["Likes"]),
            (Comments, &["Comments added", "Comments"]),
            (Shares, &["Shares"]),
            (Impressions, &["Impressions", "Thumbnail impressions"]),
        ],
        meta: &[
            (PostId, &["Post ID"]),
            // Instagram exports name the account where Facebook's name the Page.
            (PageId, &["Page ID", "Account ID"]),
            (PageName, &["Page name", "Account username"]),
            (Title, &["Title"]),
            (PublishTime, &["Publish time"]),
            (Permalink, &["Permalink"]),
            (PostType, &["Post type"]),
            (Date, &["Date"]),
            (Views, &["Views", "3-second video views"]),
            (Reach, &["Reach"]),
            (Likes, &["Reactions", "Likes"]),
            (Comments, &["Comments"]),
            (Shares, &["Shares"]),
            (Saves, &["Saves"]),
            (WatchTimeSeconds, &["Seconds viewed"]),
        ],
        linkedin: &[
            (Title, &["Post title", "Update title"]),
            (PostLink, &["Post link", "Update link"]),
            (PostType, &["Post type", "Update type"]),
            (Distribution, &["Content Type"]),
            (CreatedDate, &["Created date"]),
            (Date, &["Date"]),
            (
                Impressions,
                &[
                    "Impressions (total)",
                    "Impressions",
                    "Impressions (organic)",
                ],
            ),
            (
                Views,
                &[
                    "Views (excluding off-site video views)",
                    "Views",
                    "Video views",
                ],
            ),
            (ViewsOffSite, &["Off-site views"]),
            (
                Likes,
                &[
                    "Likes",
                    "Reactions (total)",
                    "Reactions",
                    "Reactions (organic)",
                ],
            ),
            (
                Comments,
                &["Comments (total)", "Comments", "Comments (organic)"],
            ),
            (
                Shares,
                &[
                    "Reposts (total)",
                    "Reposts",
                    "Shares (total)",
                    "Shares",
                    "Reposts (organic)",
                    "Shares (organic)",
                ],
            ),
        ],
    },
    Language {
        code: "cs",
        name: "Czech",
        day_first: true,
        decimal_comma: true,
        months: [
            &["led", "leden", "ledna"],
            &["úno", "únor", "února"],
            &["bře", "březen", "března"],
            &["dub", "duben", "dubna"],
            &["kvě", "květen", "května"],
            &["čvn", "červen", "června"],
            &["čvc", "červenec", "července"],
            &["srp", "srpen", "srpna"],
            &["zář", "září"],
            &["říj", "říjen", "října"],
            &["lis", "listopad", "listopadu"],
            &["pro", "prosinec", "prosince"],
        ],
        total_row: &["celkem", "celkový součet"],
        youtube: &[
            (Date, &["Datum"]),
            (VideoId, &["Obsah", "ID videa"]),
            (Title, &["Název videa"]),
            (PublishTime, &["Čas publikování videa"]),
            (Views, &["Zhlédnutí"]),
            (WatchTimeHours, &["Doba sledování (hodiny)"]),
            (Likes, &["Líbí se mi", "Označení Líbí se mi"]),
            (Comments, &["Přidané komentáře", "Komentáře"]),
            (Shares, &["Sdílení"]),
            (Impressions, &["Zobrazení", "Zobrazení miniatury"]),
        ],
        meta: &[
            (PostId, &["ID příspěvku"]),
            (PageId, &["ID stránky"]),
            (PageName, &["Název stránky"]),
            (Title, &["Název"]),
            (PublishTime, &["Čas publikování"]),
            (Permalink, &["Trvalý odkaz"]),
            (PostType, &["Typ příspěvku"]),
            (Date, &["Datum"]),
            (
                Views,
                &["Zhlédnutí", "Zobrazení", "3sekundová zhlédnutí videa"],
            ),
            (Reach, &["Dosah"]),
            (Likes, &["Reakce"]),
            (Comments, &["Komentáře"]),
            (Shares, &["Sdílení"]),
            (WatchTimeSeconds, &["Zhlédnuté sekundy"]),
        ],
        linkedin: &[
            (Title, &["Název příspěvku"]),
            (PostLink, &["Odkaz na příspěvek"]),
            (PostType, &["Typ příspěvku", "Typ obsahu"]),
            (CreatedDate, &["Datum vytvoření"]),
            (Date, &["Datum"]),
            (
                Impressions,
                &["Zobrazení (celkem)", "Zobrazení", "Zobrazení (organická)"],
            ),
            (
                Views,
                &["Zhlédnutí (bez zhlédnutí videa mimo web)", "Zhlédnutí"],
            ),
            (ViewsOffSite, &["Zhlédnutí mimo web"]),
            (
                Likes,
                &[
                    "To se mi líbí",
                    "Reakce (celkem)",
                    "Reakce",
                    "Reakce (organické)",
                ],
            ),
            (
                Comments,
                &["Komentáře (celkem)", "Komentáře", "Komentáře (organické)"],
            ),
            (
                Shares,
                &[
                    "Opětovná sdílení (celkem)",
                    "Opětovná sdílení",
                    "Sdílení",
                    "Opětovná sdílení (organická)",
                ],
            ),
        ],
    },
    Language {
        code: "sk",
        name: "Slovak",
        day_first: true,
        decimal_comma: true,
        months: [
            &["jan", "január", "januára"],
            &["feb", "február", "februára"],
            &["mar", "marec", "marca"],
            &["apr", "apríl", "apríla"],
            &["máj", "mája"],
            &["jún", "júna"],
            &["júl", "júla"],
            &["aug", "august", "augusta"],
            &["sep", "september", "septembra"],
            &["okt", "október", "októbra"],
            &["nov", "november", "novembra"],
            &["dec", "december", "decembra"],
        ],
        total_row: &["spolu", "celkom"],
        youtube: &[
            (Date, &["Dátum"]),
            (VideoId, &["Obsah", "ID videa"]),
            (Title, &["Názov videa"]),
            (PublishTime, &["Čas zverejnenia videa"]),
            (Views, &["Zhliadnutia"]),
            (WatchTimeHours, &["Čas pozerania (hodiny)"]),
            (Likes, &["Páči sa mi to", "Označenia Páči sa mi to"]),
            (Comments, &["Pridané komentáre", "Komentáre"]),
            (Shares, &["Zdieľania"]),
            (Impressions, &["Zobrazenia", "Zobrazenia miniatúry"]),
        ],
        meta: &[
            (PostId, &["ID príspevku"]),
            (PageId, &["ID stránky"]),
            (PageName, &["Názov stránky"]),
            (Title, &["Názov"]),
            (PublishTime, &["Čas zverejnenia"]),
            (Permalink, &["Trvalý odkaz"]),
            (PostType, &["Typ príspevku"]),
            (Date, &["Dátum"]),
            (
                Views,
                &["Zhliadnutia", "Zobrazenia", "3-sekundové zhliadnutia videa"],
            ),
            (Reach, &["Dosah"]),
            (Likes, &["Reakcie"]),
            (Comments, &["Komentáre"]),
            (Shares, &["Zdieľania"]),
            (WatchTimeSeconds, &["Pozreté sekundy"]),
        ],
        linkedin: &[
            (Title, &["Názov príspevku"]),
            (PostLink, &["Odkaz na príspevok"]),
            (PostType, &["Typ príspevku", "Typ obsahu"]),
            (CreatedDate, &["Dátum vytvorenia"]),
            (Date, &["Dátum"]),
            (
                Impressions,
                &[
                    "Zobrazenia (celkom)",
                    "Zobrazenia",
                    "Zobrazenia (organické)",
                ],
            ),
            (
                Views,
                &[
                    "Zhliadnutia (bez zhliadnutí videa mimo webu)",
                    "Zhliadnutia",
                ],
            ),
            (ViewsOffSite, &["Zhliadnutia mimo webu"]),
            (
                Likes,
                &[
                    "Páči sa mi to",
                    "Reakcie (celkom)",
                    "Reakcie",
                    "Reakcie (organické)",
                ],
            ),
            (
                Comments,
                &["Komentáre (celkom)", "Komentáre", "Komentáre (organické)"],
            ),
            (
                Shares,
                &[
                    "Opätovné zdieľania (celkom)",
                    "Opätovné zdieľania",
                    "Zdieľania",
                ],
            ),
        ],
    },
    Language {
        code: "de",
        name: "German",
        day_first: true,
        decimal_comma: true,
        months: [
            &["jan", "januar", "jän", "jänner"],
            &["feb", "februar"],
            &["mär", "märz", "mrz"],
            &["apr", "april"],
            &["mai"],
            &["jun", "juni"],
            &["jul", "juli"],
            &["aug", "august"],
            &["sep", "sept", "september"],
            &["okt", "oktober"],
            &["nov", "november"],
            &["dez", "dezember"],
        ],
        total_row: &["gesamt", "insgesamt", "summe"],
        youtube: &[
            (Date, &["Datum"]),
            // Real German Studio files call the id column `Video`.
            (VideoId, &["Video", "Inhalt", "Video-ID"]),
            (Title, &["Videotitel"]),
            (PublishTime, &["Veröffentlichungszeitpunkt des Videos"]),
            (Views, &["Aufrufe"]),
            (WatchTimeHours, &["Wiedergabezeit (Stunden)"]),
            (Likes, &["„Mag ich“-Bewertungen", "Mag ich"]),
            (Comments, &["Hinzugefügte Kommentare", "Kommentare"]),
            (Shares, &["Mal geteilt", "Geteilte Inhalte"]),
            (Impressions, &["Impressionen", "Thumbnail-Impressionen"]),
        ],
        meta: &[
            (PostId, &["Beitrags-ID"]),
            (PageId, &["Seiten-ID"]),
            (PageName, &["Seitenname"]),
            (Title, &["Titel"]),
            (PublishTime, &["Veröffentlichungszeitpunkt"]),
            (Permalink, &["Permalink"]),
            (PostType, &["Beitragstyp"]),
            (Date, &["Datum"]),
            (Views, &["Aufrufe", "3-Sekunden-Videoaufrufe"]),
            (Reach, &["Reichweite"]),
            (Likes, &["Reaktionen"]),
            (Comments, &["Kommentare"]),
            (Shares, &["Geteilte Inhalte", "Mal geteilt"]),
            (WatchTimeSeconds, &["Angesehene Sekunden"]),
        ],
        linkedin: &[
            (Title, &["Beitragstitel"]),
            (PostLink, &["Beitragslink", "Link zum Beitrag"]),
            (PostType, &["Beitragstyp", "Inhaltstyp"]),
            (CreatedDate, &["Erstellungsdatum"]),
            (Date, &["Datum"]),
            (
                Impressions,
                &[
                    "Impressionen (gesamt)",
                    "Impressionen",
                    "Impressionen (organisch)",
                ],
            ),
            (Views, &["Aufrufe (ohne Off-Site-Videoaufrufe)", "Aufrufe"]),
            (ViewsOffSite, &["Off-Site-Aufrufe"]),
            (
                Likes,
                &[
                    "Gefällt mir",
                    "Reaktionen (gesamt)",
                    "Reaktionen",
                    "Reaktionen (organisch)",
                ],
            ),
            (
                Comments,
                &[
                    "Kommentare (gesamt)",
                    "Kommentare",
                    "Kommentare (organisch)",
                ],
            ),
            (Shares, &["Reposts (gesamt)", "Reposts", "Geteilt"]),
        ],
    },
    Language {
        code: "pl",
        name: "Polish",
        day_first: true,
        decimal_comma: true,
        months: [
            &["sty", "styczeń", "stycznia"],
            &["lut", "luty", "lutego"],
            &["mar", "marzec", "marca"],
            &["kwi", "kwiecień", "kwietnia"],
            &["maj", "maja"],
            &["cze", "czerwiec", "czerwca"],
            &["lip", "lipiec", "lipca"],
            &["sie", "sierpień", "sierpnia"],
            &["wrz", "wrzesień", "września"],
            &["paź", "październik", "października"],
            &["lis", "listopad", "listopada"],
            &["gru", "grudzień", "grudnia"],
        ],
        total_row: &["łącznie", "suma"],
        youtube: &[
            (Date, &["Data"]),
            (VideoId, &["Treść", "Identyfikator filmu"]),
            (Title, &["Tytuł filmu"]),
            (PublishTime, &["Czas publikacji filmu"]),
            (Views, &["Wyświetlenia"]),
            (WatchTimeHours, &["Czas oglądania (godziny)"]),
            (Likes, &["Polubienia"]),
            (Comments, &["Dodane komentarze", "Komentarze"]),
            (Shares, &["Udostępnienia"]),
            (
                Impressions,
                &["Wyświetlenia miniatur", "Wyświetlenia miniatury"],
            ),
        ],
        meta: &[
            (PostId, &["Identyfikator posta", "ID posta"]),
            (PageId, &["Identyfikator strony", "ID strony"]),
            (PageName, &["Nazwa strony"]),
            (Title, &["Tytuł"]),
            (PublishTime, &["Czas publikacji"]),
            (Permalink, &["Link bezpośredni"]),
            (PostType, &["Typ posta"]),
            (Date, &["Data"]),
            (Views, &["Wyświetlenia", "3-sekundowe wyświetlenia filmu"]),
            (Reach, &["Zasięg"]),
            (Likes, &["Reakcje"]),
            (Comments, &["Komentarze"]),
            (Shares, &["Udostępnienia"]),
            (WatchTimeSeconds, &["Obejrzane sekundy"]),
        ],
        linkedin: &[
            (Title, &["Tytuł posta"]),
            (PostLink, &["Link do posta"]),
            (PostType, &["Typ posta", "Typ treści"]),
            (CreatedDate, &["Data utworzenia"]),
            (Date, &["Data"]),
            (
                Impressions,
                &[
                    "Wyświetlenia (łącznie)",
                    "Wyświetlenia",
                    "Wyświetlenia (organiczne)",
                ],
            ),
            (
                Views,
                &["Odtworzenia (bez odtworzeń poza serwisem)", "Odtworzenia"],
            ),
            (ViewsOffSite, &["Odtworzenia poza serwisem"]),
            (
                Likes,
                &[
                    "Polubienia",
                    "Reakcje (łącznie)",
                    "Reakcje",
                    "Reakcje (organiczne)",
                ],
            ),
            (
                Comments,
                &[
                    "Komentarze (łącznie)",
                    "Komentarze",
                    "Komentarze (organiczne)",
                ],
            ),
            (
                Shares,
                &[
                    "Udostępnienia (łącznie)",
                    "Udostępnienia",
                    "Ponowne opublikowania",
                ],
            ),
        ],
    },
    Language {
        code: "es",
        name: "Spanish",
        day_first: true,
        decimal_comma: true,
        months: [
            &["ene", "enero"],
            &["feb", "febrero"],
            &["mar", "marzo"],
            &["abr", "abril"],
            &["may", "mayo"],
            &["jun", "junio"],
            &["jul", "julio"],
            &["ago", "agosto"],
            &["sept", "sep", "septiembre", "setiembre"],
            &["oct", "octubre"],
            &["nov", "noviembre"],
            &["dic", "diciembre"],
        ],
        total_row: &["total"],
        youtube: &[
            (Date, &["Fecha"]),
            (VideoId, &["Contenido", "ID del vídeo", "ID del video"]),
            (Title, &["Título del vídeo", "Título del video"]),
            (
                PublishTime,
                &[
                    "Hora de publicación del vídeo",
                    "Hora de publicación del video",
                ],
            ),
            (Views, &["Visualizaciones"]),
            (WatchTimeHours, &["Tiempo de visualización (horas)"]),
            (Likes, &["Me gusta"]),
            (Comments, &["Comentarios añadidos", "Comentarios"]),
            (Shares, &["Veces compartido", "Compartidos"]),
            (Impressions, &["Impresiones", "Impresiones de miniaturas"]),
        ],
        meta: &[
            (
                PostId,
                &["Identificador de la publicación", "ID de la publicación"],
            ),
            (PageId, &["Identificador de la página", "ID de la página"]),
            (PageName, &["Nombre de la página"]),
            (Title, &["Título"]),
            (PublishTime, &["Hora de publicación"]),
            (Permalink, &["Enlace permanente"]),
            (PostType, &["Tipo de publicación"]),
            (Date, &["Fecha"]),
            (
                Views,
                &["Visualizaciones", "Reproducciones de video de 3 segundos"],
            ),
            (Reach, &["Alcance"]),
            (Likes, &["Reacciones"]),
            (Comments, &["Comentarios"]),
            (Shares, &["Veces compartido", "Compartidos"]),
            (WatchTimeSeconds, &["Segundos reproducidos"]),
        ],
        linkedin: &[
            (Title, &["Título de la publicación"]),
            (PostLink, &["Enlace de la publicación"]),
            (PostType, &["Tipo de publicación", "Tipo de contenido"]),
            (CreatedDate, &["Fecha de creación"]),
            (Date, &["Fecha"]),
            (
                Impressions,
                &[
                    "Impresiones (total)",
                    "Impresiones",
                    "Impresiones (orgánicas)",
                ],
            ),
            (
                Views,
                &[
                    "Visualizaciones (sin incluir las visualizaciones de vídeo fuera del sitio)",
                    "Visualizaciones",
                ],
            ),
            (ViewsOffSite, &["Visualizaciones fuera del sitio"]),
            (
                Likes,
                &[
                    "Recomendaciones",
                    "Reacciones (total)",
                    "Reacciones",
                    "Reacciones (orgánicas)",
                ],
            ),
            (
                Comments,
                &[
                    "Comentarios (total)",
                    "Comentarios",
                    "Comentarios (orgánicos)",
                ],
            ),
            (
                Shares,
                &[
                    "Veces compartido (total)",
                    "Veces compartido",
                    "Publicaciones compartidas",
                ],
            ),
        ],
    },
    Language {
        code: "fr",
        name: "French",
        day_first: true,
        decimal_comma: true,
        months: [
            &["janv", "janvier"],
            &["févr", "février", "fév"],
            &["mars"],
            &["avr", "avril"],
            &["mai"],
            &["juin"],
            &["juil", "juillet"],
            &["août"],
            &["sept", "septembre"],
            &["oct", "octobre"],
            &["nov", "novembre"],
            &["déc", "décembre"],
        ],
        total_row: &["total"],
        youtube: &[
            (Date, &["Date"]),
            (VideoId, &["Contenu", "ID de la vidéo"]),
            (Title, &["Titre de la vidéo"]),
            (PublishTime, &["Heure de publication de la vidéo"]),
            (Views, &["Vues"]),
            (WatchTimeHours, &["Durée de visionnage (heures)"]),
            (Likes, &["J'aime", "Mentions J'aime"]),
            (Comments, &["Commentaires ajoutés", "Commentaires"]),
            (Shares, &["Partages"]),
            (Impressions, &["Impressions", "Impressions de miniatures"]),
        ],
        meta: &[
            (
                PostId,
                &["Identifiant de la publication", "ID de la publication"],
            ),
            (PageId, &["Identifiant de la Page", "ID de la Page"]),
            (PageName, &["Nom de la Page"]),
            (Title, &["Titre"]),
            (PublishTime, &["Heure de publication"]),
            (Permalink, &["Lien permanent"]),
            (PostType, &["Type de publication"]),
            (Date, &["Date"]),
            (Views, &["Vues", "Vues de vidéo de 3 secondes"]),
            (Reach, &["Couverture"]),
            (Likes, &["Réactions"]),
            (Comments, &["Commentaires"]),
            (Shares, &["Partages"]),
            (WatchTimeSeconds, &["Secondes visionnées"]),
        ],
        linkedin: &[
            (Title, &["Titre de la publication"]),
            (
                PostLink,
                &["Lien de la publication", "Lien vers la publication"],
            ),
            (PostType, &["Type de publication", "Type de contenu"]),
            (CreatedDate, &["Date de création"]),
            (Date, &["Date"]),
            (
                Impressions,
                &[
                    "Impressions (total)",
                    "Impressions",
                    "Impressions (naturelles)",
                ],
            ),
            (Views, &["Vues (hors vues de vidéo hors site)", "Vues"]),
            (ViewsOffSite, &["Vues hors site"]),
            (
                Likes,
                &[
                    "J'aime",
                    "Réactions (total)",
                    "Réactions",
                    "Réactions (naturelles)",
                ],
            ),
            (
                Comments,
                &[
                    "Commentaires (total)",
                    "Commentaires",
                    "Commentaires (naturels)",
                ],
            ),
            (
                Shares,
                &["Republications (total)", "Republications", "Partages"],
            ),
        ],
    },
    Language {
        code: "pt",
        name: "Portuguese",
        day_first: true,
        decimal_comma: true,
        months: [
            &["jan", "janeiro"],
            &["fev", "fevereiro"],
            &["mar", "março"],
            &["abr", "abril"],
            &["mai", "maio"],
            &["jun", "junho"],
            &["jul", "julho"],
            &["ago", "agosto"],
            &["set", "setembro"],
            &["out", "outubro"],
            &["nov", "novembro"],
            &["dez", "dezembro"],
        ],
        total_row: &["total"],
        // YouTube: checked against public Brazilian Studio exports (`Dados da tabela.csv`).
        youtube: &[
            (Date, &["Data"]),
            (VideoId, &["Conteúdo", "ID do vídeo"]),
            (Title, &["Título do vídeo"]),
            (PublishTime, &["Horário de publicação do vídeo"]),
            (Views, &["Visualizações"]),
            (EngagedViews, &["Visualizações engajadas"]),
            (AverageViewDuration, &["Duração média da visualização"]),
            (WatchTimeHours, &["Tempo de exibição (horas)"]),
            (Likes, &["Marcações \"Gostei\"", "Curtidas"]),
            (Comments, &["Comentários adicionados", "Comentários"]),
            (Shares, &["Compartilhamentos"]),
            (Impressions, &["Impressões"]),
        ],
        // Meta and LinkedIn: the platforms' Portuguese UI terms, not yet seen in a real file.
        meta: &[
            (PostId, &["Identificação da publicação", "ID da publicação"]),
            (PageId, &["Identificação da Página", "ID da Página"]),
            (PageName, &["Nome da Página"]),
            (Title, &["Título"]),
            (PublishTime, &["Horário de publicação"]),
            (Permalink, &["Link permanente"]),
            (PostType, &["Tipo de publicação"]),
            (Date, &["Data"]),
            (Views, &["Visualizações"]),
            (Reach, &["Alcance"]),
            (Likes, &["Reações"]),
            (Comments, &["Comentários"]),
            (Shares, &["Compartilhamentos"]),
            (WatchTimeSeconds, &["Segundos visualizados"]),
        ],
        linkedin: &[
            (Title, &["Título da publicação"]),
            (PostLink, &["Link da publicação"]),
            (PostType, &["Tipo de publicação", "Tipo de conteúdo"]),
            (CreatedDate, &["Data de criação"]),
            (Date, &["Data"]),
            (Impressions, &["Impressões (total)", "Impressões"]),
            (Views, &["Visualizações"]),
            (Likes, &["Reações (total)", "Reações"]),
            (Comments, &["Comentários (total)", "Comentários"]),
            (Shares, &["Compartilhamentos (total)", "Compartilhamentos"]),
        ],
    },
];

/// The language with this code.
pub fn language(code: &str) -> Option<&'static Language> {
    LANGUAGES.iter().find(|l| l.code == code)
}

/// A header cell as compared: lowercase, no quotes, byte-order marks, soft hyphens or
/// zero-width characters (YouTube Studio writes German headers as `Auf\u{ad}ru\u{ad}fe`), every
/// kind of space as one space.
pub fn normalize(header: &str) -> String {
    header
        .chars()
        .filter(|c| {
            !matches!(
                c,
                '"' | '„'
                    | '“'
                    | '”'
                    | '‚'
                    | '‘'
                    | '\u{ad}'
                    | '\u{200b}'
                    | '\u{200c}'
                    | '\u{200d}'
                    | '\u{2060}'
                    | '\u{feff}'
            )
        })
        .map(|c| match c {
            '\u{a0}' | '\u{202f}' | '\u{2007}' | '\u{2009}' | '\t' => ' ',
            '’' | '`' => '\'',
            c => c,
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// What YouTube Studio writes as the last row of a table it cut at 500 rows, per language
/// (normalized). Checked against real files: English and German.
pub static TOP_RESULTS_FOOTERS: &[&str] = &[
    "showing top 500 results",
    "die 500 besten ergebnisse werden angezeigt",
];

/// Whether a cell is Studio's "table was cut" footer: one of [`TOP_RESULTS_FOOTERS`], or (for a
/// language not listed) a sentence of several words with a number in it.
pub fn is_footer_row(cell: &str) -> bool {
    let c = normalize(cell);
    if TOP_RESULTS_FOOTERS.contains(&c.as_str()) {
        return true;
    }
    let words: Vec<&str> = c.split(' ').collect();
    words.len() >= 3
        && words
            .iter()
            .any(|w| !w.is_empty() && w.chars().all(|ch| ch.is_ascii_digit()))
}

/// A header or cell as shown in messages: without soft hyphens, zero-width characters or a
/// byte-order mark, trimmed (case kept).
pub fn normalize_display(text: &str) -> String {
    text.chars()
        .filter(|c| {
            !matches!(
                c,
                '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}'
            )
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// Whether a cell is the summary row YouTube puts at the top of Table data (any language).
pub fn is_total_row(cell: &str) -> bool {
    let c = normalize(cell);
    !c.is_empty() && LANGUAGES.iter().any(|l| l.total_row.contains(&c.as_str()))
}

/// How a header row matched one platform's names.
#[derive(Debug, Clone)]
pub struct Matched {
    pub language: &'static Language,
    /// Field → column index (the preferred alias where several columns mean one field).
    pub columns: BTreeMap<Field, usize>,
    /// Headers that matched nothing (ignored when reading).
    pub unknown: Vec<String>,
}

impl Matched {
    pub fn get(&self, f: Field) -> Option<usize> {
        self.columns.get(&f).copied()
    }
    pub fn has(&self, f: Field) -> bool {
        self.columns.contains_key(&f)
    }
    /// The metric columns found.
    pub fn metrics(&self) -> impl Iterator<Item = (Field, usize)> + '_ {
        self.columns
            .iter()
            .filter(|(f, _)| f.is_metric())
            .map(|(f, c)| (*f, *c))
    }
}

impl std::fmt::Debug for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code)
    }
}

/// Field → (alias rank, column).
type Found = BTreeMap<Field, (usize, usize)>;

/// Match normalized headers against one language's names: linear in the headers (a header row
/// of 500 000 columns once took minutes when every alias was normalized for every column).
fn match_in(headers: &[String], aliases: Aliases) -> Found {
    // Normalized alias → (field, rank of its first alias with that name).
    let mut index: HashMap<String, Vec<(Field, usize)>> = HashMap::new();
    for (field, names) in aliases {
        for (rank, n) in names.iter().enumerate() {
            let at = index.entry(normalize(n)).or_default();
            if !at.iter().any(|(f, _)| f == field) {
                at.push((*field, rank));
            }
        }
    }
    let mut out: Found = BTreeMap::new();
    for (col, h) in headers.iter().enumerate() {
        if h.is_empty() {
            continue;
        }
        for (field, rank) in index.get(h).map(Vec::as_slice).unwrap_or_default() {
            let better = out.get(field).is_none_or(|(r, _)| rank < r);
            if better {
                out.insert(*field, (*rank, col));
            }
        }
    }
    out
}

/// Match a header row against one platform's names in every language; the language that
/// explains the most columns wins, and English fills in columns a translation left in English.
pub fn match_headers(headers: &[String], format: Format) -> Matched {
    let normalized: Vec<String> = headers.iter().map(|h| normalize(h)).collect();
    let mut best: Option<(&'static Language, Found)> = None;
    for lang in LANGUAGES {
        let m = match_in(&normalized, lang.aliases(format));
        if best.as_ref().is_none_or(|(_, b)| m.len() > b.len()) {
            best = Some((lang, m));
        }
    }
    let (language, mut found) = best.unwrap_or((&LANGUAGES[0], BTreeMap::new()));
    if language.code != "en" {
        let used: Vec<usize> = found.values().map(|(_, c)| *c).collect();
        for (field, (rank, col)) in match_in(&normalized, LANGUAGES[0].aliases(format)) {
            if !found.contains_key(&field) && !used.contains(&col) {
                found.insert(field, (rank, col));
            }
        }
    }
    let columns: BTreeMap<Field, usize> = found.into_iter().map(|(f, (_, c))| (f, c)).collect();
    let unknown = headers
        .iter()
        .enumerate()
        .filter(|(i, h)| !h.trim().is_empty() && !columns.values().any(|c| c == i))
        .map(|(_, h)| h.trim().to_string())
        .collect();
    Matched {
        language,
        columns,
        unknown,
    }
}

/// A kind of table a platform exports, and which columns tell it apart.
#[derive(Debug)]
pub struct Layout {
    /// What people call it, for messages.
    pub name: &'static str,
    pub format: Format,
    /// Columns it always has.
    pub required: &'static [Field],
    /// Columns it never has (to tell YouTube's Chart data from its Table data).
    pub absent: &'static [Field],
}

pub static YT_CHART: Layout = Layout {
    name: "YouTube Studio Chart data (one row per day and video)",
    format: Format::YouTube,
    required: &[Field::Date, Field::VideoId],
    absent: &[],
};
pub static YT_TABLE: Layout = Layout {
    name: "YouTube Studio Table data (one row per video)",
    format: Format::YouTube,
    required: &[Field::VideoId],
    absent: &[Field::Date],
};
pub static YT_TOTALS: Layout = Layout {
    name: "YouTube Studio Totals (one row per day, no video column)",
    format: Format::YouTube,
    required: &[Field::Date],
    absent: &[Field::VideoId],
};
pub static META_POSTS: Layout = Layout {
    name: "Meta Business Suite post/video export",
    format: Format::Meta,
    required: &[Field::PostId],
    absent: &[],
};
pub static LI_POSTS: Layout = Layout {
    name: "LinkedIn page analytics, sheet `All posts`",
    format: Format::LinkedIn,
    required: &[Field::PostLink],
    absent: &[],
};
pub static LI_METRICS: Layout = Layout {
    name: "LinkedIn page analytics, sheet `Metrics` (daily)",
    format: Format::LinkedIn,
    required: &[Field::Date],
    absent: &[Field::PostLink],
};

/// Every layout, for the "nearest known format" of an unrecognised file.
pub static LAYOUTS: &[&Layout] = &[
    &YT_CHART,
    &YT_TABLE,
    &YT_TOTALS,
    &META_POSTS,
    &LI_POSTS,
    &LI_METRICS,
];

impl Layout {
    /// How a header row fits this layout: the match, and the columns it lacks.
    pub fn fit(&'static self, headers: &[String]) -> Fit {
        let matched = match_headers(headers, self.format);
        let mut missing: Vec<String> = self
            .required
            .iter()
            .filter(|f| !matched.has(**f))
            .map(|f| self.english_name(*f))
            .collect();
        let informative: Vec<String> = matched
            .columns
            .iter()
            .filter(|(f, _)| f.is_metric() || **f == Field::AverageViewDuration)
            .map(|(_, c)| format!("`{}`", normalize_display(&headers[*c])))
            .collect();
        if informative.is_empty() {
            missing.push("a metric column (e.g. `Views`)".into());
        } else if self.format == Format::YouTube && !matched.has(Field::Views) {
            missing.push(format!(
                "`Views` (the file's metrics are {}; in YouTube Studio's Advanced mode add the \
                 metric Views to the table, then export again)",
                informative.join(", ")
            ));
        }
        let extra: Vec<String> = self
            .absent
            .iter()
            .filter(|f| matched.has(**f))
            .map(|f| self.english_name(*f))
            .collect();
        Fit {
            layout: self,
            matched,
            missing,
            extra,
        }
    }

    fn english_name(&self, f: Field) -> String {
        LANGUAGES[0]
            .aliases(self.format)
            .iter()
            .find(|(field, _)| *field == f)
            .map(|(_, names)| format!("`{}`", names[0]))
            .unwrap_or_else(|| format!("{f:?}"))
    }
}

/// How well a header row fits a layout.
#[derive(Debug)]
pub struct Fit {
    pub layout: &'static Layout,
    pub matched: Matched,
    /// Required columns not found.
    pub missing: Vec<String>,
    /// Columns found that the layout never has.
    pub extra: Vec<String>,
}

impl Fit {
    pub fn ok(&self) -> bool {
        self.missing.is_empty() && self.extra.is_empty()
    }
    /// Columns explained by the layout (for ranking near misses).
    pub fn score(&self) -> usize {
        self.matched.columns.len()
    }
    /// A one-line explanation of how close this was, for messages.
    pub fn describe(&self) -> String {
        let found: Vec<String> = self
            .matched
            .columns
            .keys()
            .map(|f| self.layout.english_name(*f))
            .collect();
        let mut s = format!(
            "{} ({} headers): recognised {}",
            self.layout.name,
            self.matched.language.name,
            if found.is_empty() {
                "no column".to_string()
            } else {
                found.join(", ")
            }
        );
        if !self.missing.is_empty() {
            s.push_str(&format!("; missing {}", self.missing.join(", ")));
        }
        if !self.extra.is_empty() {
            s.push_str(&format!(
                "; it has {} which this table never has",
                self.extra.join(", ")
            ));
        }
        s
    }
}

/// The layout that best explains a header row, fitting or not.
pub fn nearest(headers: &[String]) -> Option<Fit> {
    let mut best: Option<Fit> = None;
    let key = |f: &Fit| (f.score(), f.ok(), std::cmp::Reverse(f.missing.len()));
    for fit in LAYOUTS.iter().map(|l| l.fit(headers)) {
        if fit.score() > 0 && best.as_ref().is_none_or(|b| key(&fit) > key(b)) {
            best = Some(fit);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<String> {
        s.split(',').map(str::to_string).collect()
    }

    #[test]
    fn every_language_has_every_platform_and_months() {
        for l in LANGUAGES {
            for format in [Format::YouTube, Format::Meta, Format::LinkedIn] {
                let a = l.aliases(format);
                assert!(
                    a.iter().any(|(f, _)| *f == Field::Views),
                    "{} {format:?} lacks views",
                    l.code
                );
                // one word never means two things in one platform's table
                let mut seen = std::collections::HashMap::new();
                for (f, names) in a {
                    for n in *names {
                        if let Some(other) = seen.insert(normalize(n), *f) {
                            assert_eq!(other, *f, "{} {format:?}: `{n}` is ambiguous", l.code);
                        }
                    }
                }
            }
            assert!(l.months.iter().all(|m| !m.is_empty()));
        }
        for code in ["en", "cs", "sk", "de", "pl", "es", "fr", "pt"] {
            assert!(language(code).is_some(), "{code}");
        }
    }

    #[test]
    fn headers_match_by_meaning_in_any_order_and_case() {
        let m = match_headers(
            &h("VIEWS,\u{feff}video title,Datum,Obsah,Zhlédnutí"),
            Format::YouTube,
        );
        assert_eq!(m.language.code, "cs");
        assert_eq!(m.get(Field::Date), Some(2));
        assert_eq!(m.get(Field::VideoId), Some(3));
        assert_eq!(m.get(Field::Views), Some(4));
        // English fills what the translation left in English, but never a used column twice
        assert_eq!(m.get(Field::Title), Some(1));
        assert!(m.unknown.contains(&"VIEWS".to_string()));
    }

    #[test]
    fn preferred_alias_wins() {
        let m = match_headers(
            &h("Date,Impressions (organic),Impressions (sponsored),Impressions (total)"),
            Format::LinkedIn,
        );
        assert_eq!(m.get(Field::Impressions), Some(3));
        let m = match_headers(&h("Post ID,3-second video views,Views"), Format::Meta);
        assert_eq!(m.get(Field::Views), Some(2));
    }

    #[test]
    fn layouts_tell_chart_table_and_totals_apart() {
        assert!(YT_CHART.fit(&h("Date,Content,Video title,Views")).ok());
        assert!(!YT_TABLE.fit(&h("Date,Content,Video title,Views")).ok());
        assert!(YT_TABLE.fit(&h("Content,Video title,Views")).ok());
        assert!(YT_TOTALS.fit(&h("Date,Views")).ok());
        assert!(!YT_CHART.fit(&h("Date,Content,Video title")).ok());
        let near = nearest(&h("Date,Views")).unwrap();
        assert!(near.describe().contains("Totals"), "{}", near.describe());
        let near = nearest(&h("Datum,Obsah,Název videa")).unwrap();
        assert!(near.describe().contains("Czech"), "{}", near.describe());
        assert!(
            near.describe().contains("missing a metric column"),
            "{}",
            near.describe()
        );
        assert!(nearest(&h("foo,bar")).is_none());
    }

    #[test]
    fn total_rows_in_any_language() {
        assert!(is_total_row("Total"));
        assert!(is_total_row(" Celkem "));
        assert!(is_total_row("Łącznie"));
        assert!(!is_total_row("dQ8mC2c4Rx0"));
        assert!(!is_total_row(""));
        assert!(is_total_row("Ge\u{ad}samt"));
    }

    #[test]
    fn real_files_invisible_characters_are_ignored() {
        let m = match_headers(
            &h("Video,Vi\u{ad}deo\u{ad}ti\u{ad}tel,Auf\u{ad}ru\u{ad}fe,Wie\u{ad}der\u{ad}ga\u{ad}be\u{ad}zeit\u{a0}(Stun\u{ad}den),\u{200b}Im\u{ad}pres\u{ad}sio\u{ad}nen "),
            Format::YouTube,
        );
        assert_eq!(m.language.code, "de");
        assert_eq!(m.get(Field::VideoId), Some(0));
        assert_eq!(m.get(Field::Title), Some(1));
        assert_eq!(m.get(Field::Views), Some(2));
        assert_eq!(m.get(Field::WatchTimeHours), Some(3));
        assert_eq!(m.get(Field::Impressions), Some(4));
        let m = match_headers(
            &h("Conteúdo,Título do vídeo,Horário de publicação do vídeo,Visualizações,Visualizações engajadas,Inscritos"),
            Format::YouTube,
        );
        assert_eq!(m.language.code, "pt");
        assert_eq!(m.get(Field::EngagedViews), Some(4));
    }

    #[test]
    fn studio_footers_in_every_checked_language() {
        assert!(is_footer_row("Showing top 500 results"));
        assert!(is_footer_row(
            "Die 500 bes\u{ad}ten Er\u{ad}geb\u{ad}nis\u{ad}se wer\u{ad}den an\u{ad}ge\u{ad}zeigt"
        ));
        assert!(is_footer_row("Mostrando os 500 principais resultados"));
        assert!(!is_footer_row("dQ8mC2c4Rx0"));
        assert!(!is_footer_row("Total"));
        assert!(!is_footer_row("not an id"));
    }
}
