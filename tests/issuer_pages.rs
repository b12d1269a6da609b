//! The officers' web page over real HTTP on 127.0.0.1, with a real registry: signing
//! in with a token (cookie carried by hand), the form generated from each type's JSON
//! Schema, issuing from it (QR and PIN), the schema's messages beside the fields,
//! search, revoke / suspend / reinstate, escaping of every value, the login guard,
//! the Origin check and the security headers.

// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use common::local::{LocalIssuer, LocalRegistry};
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use serde_json::{Map, Value};
use sigillum_credential::schema::CredentialTypes;
use sigillum_credential::time::{Clock, SystemClock};
use sigillum_issuer::service::Issuer;
use sigillum_issuer::store::Role;

const ORIGIN: &str = "registry.test/issuer/pages";
const TYPES: [&str; 3] = ["passport", "residence_permit", "business_license"];
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
                   form-action 'self'; frame-ancestors 'none'";

struct World {
    _registry: LocalRegistry,
    /// Kept so the office serves until the world is dropped.
    _office: LocalIssuer,
    issuer: Arc<Issuer>,
    base: String,
    /// Officer tokens: `clerk` issues every type and may suspend, `viewer` may only
    /// revoke, `admin` may do everything.
    tokens: HashMap<&'static str, String>,
    /// Follows no redirects, keeps no cookies: the test carries them.
    http: reqwest::Client,
}

/// What a page request returned.
struct Page {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .map_or("", |v| v.to_str().unwrap())
    }

    fn set_cookie(&self) -> Option<&str> {
        self.headers.get(SET_COOKIE).map(|v| v.to_str().unwrap())
    }

    /// The text between `start` and the next `end` after it.
    fn between(&self, start: &str, end: &str) -> &str {
        let from = self
            .body
            .find(start)
            .unwrap_or_else(|| panic!("{start:?} not in the page:\n{}", self.body))
            + start.len();
        let len = self.body[from..].find(end).unwrap();
        &self.body[from..from + len]
    }
}

async fn world() -> World {
    let registry = LocalRegistry::start(ORIGIN).await;
    let office = LocalIssuer::start(
        &registry,
        &TYPES,
        &["passport", "business_license"],
        200,
        Arc::new(SystemClock) as Arc<dyn Clock>,
    )
    .await;
    let clerk: Vec<Role> = TYPES
        .iter()
        .map(|t| Role::Issue((*t).to_owned()))
        .chain([Role::Suspend])
        .collect();
    let mut tokens = HashMap::new();
    for (name, roles) in [
        ("clerk", clerk),
        ("viewer", vec![Role::Revoke]),
        ("admin", vec![Role::Admin]),
    ] {
        tokens.insert(name, office.officer(name, &roles));
    }
    World {
        _registry: registry,
        issuer: Arc::clone(&office.issuer),
        base: office.base.clone(),
        _office: office,
        tokens,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    }
}

impl World {
    async fn send(&self, request: reqwest::RequestBuilder) -> Page {
        let response = request.send().await.unwrap();
        Page {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Page {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        self.send(request).await
    }

    async fn post(
        &self,
        path: &str,
        cookie: Option<&str>,
        origin: Option<&str>,
        form: &[(String, String)],
    ) -> Page {
        let mut request = self.http.post(format!("{}{path}", self.base)).form(form);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        self.send(request).await
    }

    /// Signs `officer` in through the form; the `Cookie` header to send from then on.
    async fn login(&self, officer: &str) -> String {
        let page = self
            .post(
                "/officer/login",
                None,
                None,
                &pairs(&[("token", &self.tokens[officer])]),
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert_eq!(page.location(), "/officer");
        let set = page.set_cookie().unwrap();
        set.split(';').next().unwrap().to_owned()
    }

    /// Issues `type_name`'s first sample with `reference` through the page; the offer page.
    async fn issue(&self, cookie: &str, type_name: &str, reference: &str) -> Page {
        let mut form = common::local::sample_form(type_name);
        form.push(("reference".into(), reference.into()));
        form.push(("format".into(), "dc+sd-jwt".into()));
        self.post(
            &format!("/officer/issue/{type_name}"),
            Some(cookie),
            None,
            &form,
        )
        .await
    }

    /// `GET /v1/credentials/{id}` through the JSON API.
    async fn api_credential(&self, id: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}/v1/credentials/{id}", self.base))
            .bearer_auth(&self.tokens["admin"])
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn sample(type_name: &str) -> Map<String, Value> {
    let schema = CredentialTypes::builtin().unwrap().get(type_name).unwrap();
    schema.spec().samples[0].as_object().unwrap().clone()
}

/// The sample's form with some fields replaced (or, with an empty value, left empty).
fn sample_with(type_name: &str, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = common::local::sample_form(type_name)
        .into_iter()
        .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
        .collect();
    form.extend(pairs(changes));
    form
}

/// The credential id an offer page shows.
fn offer_id(page: &Page) -> String {
    page.between("Credential id</dt><dd><code>", "</code>")
        .to_owned()
}

#[tokio::test]
async fn login_refuses_a_wrong_token_and_signs_in_with_the_right_one() {
    let w = world().await;
    // Without the cookie every page leads to the login.
    for path in [
        "/officer",
        "/officer/issue/passport",
        "/officer/search?reference=x",
    ] {
        let page = w.get(path, None).await;
        assert_eq!(page.status, 303, "{path}");
        assert_eq!(page.location(), "/officer/login", "{path}");
    }
    let page = w
        .post(
            "/officer/issue/passport",
            None,
            None,
            &common::local::sample_form("passport"),
        )
        .await;
    assert_eq!((page.status, page.location()), (303, "/officer/login"));
    let page = w
        .get("/officer", Some("sigillum_officer=sgo_forged_token"))
        .await;
    assert_eq!((page.status, page.location()), (303, "/officer/login"));
    assert!(page.set_cookie().unwrap().contains("Max-Age=0"));
    let root = w.get("/", None).await;
    assert_eq!((root.status, root.location()), (303, "/officer"));

    let form = w.get("/officer/login", None).await;
    assert_eq!(form.status, 200);
    assert!(
        form.body
            .contains("<label for=\"f-token\">Officer token</label>")
    );
    assert!(form.body.contains("name=\"viewport\""));

    let wrong = w
        .post(
            "/officer/login",
            None,
            None,
            &pairs(&[("token", "sgo_AAAA_wrong")]),
        )
        .await;
    assert_eq!(wrong.status, 403);
    assert!(wrong.set_cookie().is_none());
    assert!(
        wrong.body.contains("That officer token is not valid"),
        "{}",
        wrong.body
    );
    assert!(wrong.body.contains("officer_token_invalid"));
    let empty = w
        .post("/officer/login", None, None, &pairs(&[("token", " ")]))
        .await;
    assert_eq!(empty.status, 400);
    assert!(empty.body.contains("Enter your officer token."));

    let right = w
        .post(
            "/officer/login",
            None,
            None,
            &pairs(&[("token", &w.tokens["clerk"])]),
        )
        .await;
    assert_eq!((right.status, right.location()), (303, "/officer"));
    let set = right.set_cookie().unwrap();
    assert_eq!(
        set,
        format!(
            "sigillum_officer={}; HttpOnly; SameSite=Strict; Path=/officer",
            w.tokens["clerk"]
        ),
        "no Secure over http"
    );
    let cookie = set.split(';').next().unwrap();
    let home = w.get("/officer", Some(cookie)).await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Welcome, clerk"));
    assert!(
        home.body
            .contains("issue:passport, issue:residence_permit, issue:business_license, suspend")
    );
    assert!(
        home.body
            .contains("<a href=\"/officer/issue/passport\">Passport</a>")
    );
    assert!(
        home.body
            .contains("<a href=\"/officer/issue/business_license\">Business licence</a>")
    );
    assert!(home.body.contains("action=\"/officer/search\""));
    // Security headers on pages, redirects and errors alike.
    for page in [&home, &wrong, &root] {
        assert_eq!(page.headers["content-security-policy"], CSP);
        assert_eq!(page.headers["x-content-type-options"], "nosniff");
        assert_eq!(page.headers["cache-control"], "no-store");
    }
    // Nothing from elsewhere: no scripts, no external URLs.
    assert!(!home.body.contains("<script"));
    assert!(!home.body.contains("http://") && !home.body.contains("https://"));

    let out = w.post("/officer/logout", Some(cookie), None, &[]).await;
    assert_eq!((out.status, out.location()), (303, "/officer/login"));
    assert!(
        out.set_cookie()
            .unwrap()
            .starts_with("sigillum_officer=; Max-Age=0")
    );

    // The viewer may not issue.
    let viewer = w.login("viewer").await;
    let refused = w.get("/officer/issue/passport", Some(&viewer)).await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("officer_role_missing"));
    let unknown = w.get("/officer/issue/driving_licence", Some(&viewer)).await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.body.contains("credential_type_not_issued"));
}

#[tokio::test]
async fn the_forms_have_every_schema_field_with_the_right_inputs() {
    let w = world().await;
    let cookie = w.login("clerk").await;
    let page = w.get("/officer/issue/passport", Some(&cookie)).await;
    assert_eq!(page.status, 200);
    let body = &page.body;
    let schema = CredentialTypes::builtin().unwrap().get("passport").unwrap();
    let spec = schema.spec();
    for (claim, _) in spec.schema["properties"].as_object().unwrap() {
        assert!(body.contains(&format!("name=\"{claim}\"")), "{claim}");
        let label = &spec.claims[claim].label;
        assert!(
            body.contains(&format!(
                "<label for=\"f-{claim}\">{label}<span class=\"req\">required</span></label>"
            )),
            "{claim}: {label}"
        );
    }
    for date in ["birth_date", "issue_date", "expiry_date"] {
        assert!(
            body.contains(&format!(
                "<input type=\"date\" id=\"f-{date}\" name=\"{date}\" value=\"\""
            )),
            "{date}"
        );
    }
    assert!(body.contains(
        "<input type=\"text\" id=\"f-document_number\" name=\"document_number\" value=\"\" \
         pattern=\"^[A-Z0-9]{1,20}$\""
    ));
    assert!(body.contains("name=\"given_names\" value=\"\" maxlength=\"100\""));
    assert!(body.contains("name=\"family_name\" value=\"\" maxlength=\"100\" minlength=\"1\""));
    assert!(
        body.contains("<select id=\"f-sex\" name=\"sex\" aria-describedby=\"h-sex\" required>")
    );
    for sex in ["F", "M", "X"] {
        assert!(body.contains(&format!("<option value=\"{sex}\">{sex}</option>")));
    }
    assert!(body.contains("name=\"reference\""));
    assert!(body.contains("<select id=\"f-format\" name=\"format\" required>"));
    assert!(body.contains("<option value=\"dc+sd-jwt\">"));
    assert!(body.contains("<option value=\"jwt_vc_json\">"));
    assert!(body.contains("action=\"/officer/issue/passport\""));

    let page = w
        .get("/officer/issue/business_license", Some(&cookie))
        .await;
    assert_eq!(page.status, 200);
    for name in [
        "address.street",
        "address.locality",
        "address.postal_code",
        "address.country",
        "representatives.0.family_name",
        "representatives.1.given_names",
        "representatives.2.role",
        "activity_codes",
        "registration_status",
    ] {
        assert!(page.body.contains(&format!("name=\"{name}\"")), "{name}");
    }
    assert!(!page.body.contains("name=\"representatives.3."));
    assert!(
        page.body
            .contains("<legend>Registered address<span class=\"req\">required</span></legend>")
    );
    assert!(page.body.contains("<legend>Representatives 3</legend>"));
    assert!(page.body.contains("Separate several values with commas."));
    assert!(
        page.body
            .contains("<option value=\"managing_director\">managing director</option>")
    );
}

#[tokio::test]
async fn issuing_from_the_form_shows_the_qr_and_pin_and_records_the_claims() {
    let w = world().await;
    let cookie = w.login("clerk").await;
    for type_name in ["passport", "business_license"] {
        let reference = format!("case-{type_name}-1");
        let page = w.issue(&cookie, type_name, &reference).await;
        assert_eq!(page.status, 201, "{}", page.body);
        assert!(page.body.contains("<figure class=\"qr\" role=\"img\""));
        assert!(page.body.contains("<svg"));
        assert!(!page.body.contains("<?xml"));
        let pin = page.between("class=\"pin\" aria-labelledby=\"pin-label\">", "<");
        assert_eq!(pin.len(), 6, "{pin}");
        assert!(pin.bytes().all(|b| b.is_ascii_digit()));
        assert!(page.body.contains("Give this to the citizen separately"));
        assert!(page.body.contains("openid-credential-offer://"));
        assert!(page.body.contains("Offer expires</dt><dd>20"));
        let id = offer_id(&page);
        let (status, view) = w.api_credential(&id).await;
        assert_eq!(status, 200);
        assert_eq!(view["reference"], reference.as_str());
        assert_eq!(view["credential_type"], type_name);
        assert_eq!(view["status"], "valid");
        // The form's fields became exactly the sample's claims (rows, list, group).
        let recorded = w.issuer.lookup(&id).unwrap();
        assert_eq!(recorded.claims, sample(type_name), "{type_name}");
        assert_eq!(recorded.format, "dc+sd-jwt");
        // The same reference and data again: the same credential, a new offer.
        let again = w.issue(&cookie, type_name, &reference).await;
        assert_eq!(again.status, 200, "{}", again.body);
        assert_eq!(offer_id(&again), id);
    }
    // VC-JWT chosen in the form.
    let mut form = common::local::sample_form("passport");
    form.extend(pairs(&[
        ("reference", "case-jwt"),
        ("format", "jwt_vc_json"),
    ]));
    let page = w
        .post("/officer/issue/passport", Some(&cookie), None, &form)
        .await;
    assert_eq!(page.status, 201, "{}", page.body);
    assert_eq!(
        w.issuer.lookup(&offer_id(&page)).unwrap().format,
        "jwt_vc_json"
    );
    // Not accredited for residence permits: the code and sentence, values kept.
    let mut form = common::local::sample_form("residence_permit");
    form.push(("reference".into(), "case-rp".into()));
    let page = w
        .post(
            "/officer/issue/residence_permit",
            Some(&cookie),
            None,
            &form,
        )
        .await;
    assert_eq!(page.status, 409, "{}", page.body);
    assert!(page.body.contains("<code>issuer_not_accredited</code>"));
    assert!(page.body.contains("value=\"case-rp\""));
}

#[tokio::test]
async fn a_bad_submission_comes_back_with_each_fields_message_and_the_values() {
    let w = world().await;
    let cookie = w.login("clerk").await;
    let form = sample_with(
        "passport",
        &[
            ("reference", "case-bad-1"),
            ("sex", ""),
            ("document_number", "l898 bad"),
            ("expiry_date", "1999-01-01"),
            ("place_of_birth", "\"><b>ZENITH</b>"),
        ],
    );
    let page = w
        .post("/officer/issue/passport", Some(&cookie), None, &form)
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    let body = &page.body;
    // The summary at the top, linking to each field.
    assert!(
        body.contains("3 fields need attention; nothing was issued."),
        "{body}"
    );
    assert!(body.contains("<a href=\"#f-sex\">Sex</a>: is required"));
    assert!(body.contains("<a href=\"#f-document_number\">Document number</a>: "));
    assert!(body.contains("<a href=\"#f-expiry_date\">Date of expiry</a>: is before /issue_date"));
    // Each message next to its field, tied to the input.
    assert!(body.contains("<p class=\"error\" id=\"e-sex\">is required</p>"));
    assert!(body.contains("<p class=\"error\" id=\"e-document_number\">"));
    assert!(body.contains(
        "aria-describedby=\"h-document_number e-document_number\" aria-invalid=\"true\""
    ));
    assert!(body.contains("<div class=\"field invalid\"><label for=\"f-expiry_date\">"));
    // The officer's values are kept, escaped.
    assert!(body.contains("name=\"document_number\" value=\"l898 bad\""));
    assert!(body.contains("name=\"family_name\" value=\"ERIKSSON\""));
    assert!(body.contains("name=\"reference\" value=\"case-bad-1\""));
    assert!(body.contains("name=\"place_of_birth\" value=\"&quot;&gt;&lt;b&gt;ZENITH&lt;/b&gt;\""));
    assert!(!body.contains("<b>ZENITH"));
    // Nothing was recorded.
    let search = w
        .get("/officer/search?reference=case-bad", Some(&cookie))
        .await;
    assert!(
        search
            .body
            .contains("No credential has a reference starting with")
    );

    // A business licence with one representative in the third row: the message for
    // the missing role lands on that row's field.
    let mut form: Vec<(String, String)> = common::local::sample_form("business_license")
        .into_iter()
        .filter(|(k, _)| !k.starts_with("representatives.") && k != "activity_codes")
        .collect();
    form.extend(pairs(&[
        ("reference", "case-bad-2"),
        ("representatives.2.family_name", "OKONKWO"),
        ("activity_codes", "62.01, 6x"),
    ]));
    let page = w
        .post(
            "/officer/issue/business_license",
            Some(&cookie),
            None,
            &form,
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(
        page.body.contains(
            "<a href=\"#f-representatives.2.role\">Representatives, row 3, Role</a>: is required"
        ),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<p class=\"error\" id=\"e-representatives.2.role\">is required</p>")
    );
    assert!(
        page.body
            .contains("<p class=\"error\" id=\"e-activity_codes\">")
    );
    assert!(
        page.body
            .contains("name=\"activity_codes\" value=\"62.01, 6x\"")
    );
    assert!(
        page.body
            .contains("name=\"representatives.2.family_name\" value=\"OKONKWO\"")
    );

    // A reference the issuer refuses: the message by the reference field.
    let mut form = common::local::sample_form("passport");
    form.push(("reference".into(), "x".repeat(129)));
    let page = w
        .post("/officer/issue/passport", Some(&cookie), None, &form)
        .await;
    assert_eq!(page.status, 400);
    assert!(
        page.body
            .contains("<p class=\"error\" id=\"e-reference\">the applicant reference must be")
    );
}

#[tokio::test]
async fn search_finds_credentials_and_the_page_changes_their_status() {
    let w = world().await;
    let clerk = w.login("clerk").await;
    let admin = w.login("admin").await;
    let viewer = w.login("viewer").await;
    let id = offer_id(&w.issue(&clerk, "passport", "case-2026-0001").await);
    w.issue(&clerk, "passport", "case-2026-0002").await;
    w.issue(&clerk, "passport", "other-1").await;

    let found = w
        .get("/officer/search?reference=case-2026", Some(&clerk))
        .await;
    assert_eq!(found.status, 200);
    assert!(found.body.contains("2 credentials."));
    assert!(
        found
            .body
            .contains("<strong>case-2026-0001</strong><br><code>")
    );
    assert!(found.body.contains(&format!("<tr id=\"c-{id}\">")));
    assert!(
        found
            .body
            .contains("<td data-label=\"Format\">dc+sd-jwt</td>")
    );
    assert!(
        found
            .body
            .contains("<span class=\"status status-valid\">valid</span>")
    );
    assert!(!found.body.contains("other-1"));
    // The clerk may suspend, not revoke; the viewer the other way round.
    let row = |page: &Page| {
        page.between(&format!("<tr id=\"c-{id}\">"), "</tr>")
            .to_owned()
    };
    assert!(row(&found).contains(&format!("formaction=\"/officer/credentials/{id}/suspend\"")));
    assert!(!row(&found).contains("/revoke"));
    let seen = w
        .get("/officer/search?reference=case-2026-0001", Some(&viewer))
        .await;
    assert!(row(&seen).contains("/revoke"));
    assert!(!row(&seen).contains("/suspend"));

    // A reason is required.
    let path = format!("/officer/credentials/{id}/suspend");
    let back = pairs(&[("back", "case-2026"), ("reason", " ")]);
    let page = w.post(&path, Some(&clerk), None, &back).await;
    assert_eq!(page.status, 303);
    assert!(page.location().contains("flash_kind=error"));
    assert_eq!(w.api_credential(&id).await.1["status"], "valid");

    // Suspend, reinstate, then revoke (with the issuer's own Origin, as a browser sends).
    let steps = [
        (&clerk, "suspend", "suspended"),
        (&clerk, "reinstate", "valid"),
        (&admin, "revoke", "revoked"),
    ];
    for (cookie, action, status) in steps {
        let form = pairs(&[("back", "case-2026"), ("reason", "reported lost")]);
        let page = w
            .post(
                &format!("/officer/credentials/{id}/{action}"),
                Some(cookie),
                Some(&w.base),
                &form,
            )
            .await;
        assert_eq!(page.status, 303, "{action}: {}", page.body);
        let location = page.location().to_owned();
        assert!(
            location.starts_with("/officer/search?reference=case-2026&flash="),
            "{location}"
        );
        assert!(location.ends_with("&flash_kind=ok"), "{location}");
        assert_eq!(w.api_credential(&id).await.1["status"], status, "{action}");
        let shown = w.get(&location, Some(cookie)).await;
        assert!(
            shown.body.contains(&format!("<div class=\"notice ok\" role=\"status\"><p>Credential {id} (case-2026-0001) is now {status}.</p></div>")),
            "{}",
            shown.body
        );
        assert!(row(&shown).contains(&format!("status-{status}")));
    }
    // Revoked is final: no actions left, and a forced one is refused with its code.
    let shown = w
        .get("/officer/search?reference=case-2026-0001", Some(&admin))
        .await;
    assert!(!row(&shown).contains("<form"));
    let form = pairs(&[("back", "case-2026"), ("reason", "mistake")]);
    let page = w
        .post(
            &format!("/officer/credentials/{id}/reinstate"),
            Some(&admin),
            None,
            &form,
        )
        .await;
    let shown = w.get(page.location(), Some(&admin)).await;
    assert!(
        shown.body.contains("status_transition_invalid: credential"),
        "{}",
        shown.body
    );
    // The viewer may not suspend.
    let other = offer_id(&w.issue(&clerk, "passport", "case-2026-0003").await);
    let page = w
        .post(
            &format!("/officer/credentials/{other}/suspend"),
            Some(&viewer),
            None,
            &form,
        )
        .await;
    let shown = w.get(page.location(), Some(&viewer)).await;
    assert!(
        shown
            .body
            .contains("officer_role_missing: officer viewer lacks the role suspend")
    );
    assert_eq!(w.api_credential(&other).await.1["status"], "valid");
}

#[tokio::test]
async fn every_value_is_escaped() {
    let w = world().await;
    let cookie = w.login("clerk").await;
    let evil = "<script>alert(1)</script>";
    let page = w.issue(&cookie, "passport", evil).await;
    assert_eq!(page.status, 201, "{}", page.body);
    assert!(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.body.contains("<script"));

    let found = w
        .get("/officer/search?reference=%3Cscript%3E", Some(&cookie))
        .await;
    assert!(
        found
            .body
            .contains("<strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong>")
    );
    assert!(
        found.body.contains("value=\"&lt;script&gt;\""),
        "the search box and the back field"
    );
    assert!(!found.body.contains("<script"));

    let flash = w
        .get(
            "/officer/search?reference=none&flash=%3Cscript%3Ex%3C%2Fscript%3E&flash_kind=ok",
            Some(&cookie),
        )
        .await;
    assert!(flash.body.contains("&lt;script&gt;x&lt;/script&gt;"));
    assert!(!flash.body.contains("<script"));

    let form = sample_with(
        "passport",
        &[
            ("reference", "case-evil-2"),
            ("family_name", evil),
            ("sex", evil),
        ],
    );
    let page = w
        .post("/officer/issue/passport", Some(&cookie), None, &form)
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(
        page.body
            .contains("name=\"family_name\" value=\"&lt;script&gt;alert(1)&lt;/script&gt;\"")
    );
    assert!(!page.body.contains("<script"));
}

#[tokio::test]
async fn a_post_from_another_origin_is_refused() {
    let w = world().await;
    let cookie = w.login("admin").await;
    let id = offer_id(&w.issue(&cookie, "passport", "case-origin").await);
    let token = pairs(&[("token", &w.tokens["admin"])]);
    for origin in ["http://evil.example", "null", "https://127.0.0.1"] {
        let page = w.post("/officer/login", None, Some(origin), &token).await;
        assert_eq!(page.status, 403, "{origin}");
        assert!(page.set_cookie().is_none());
        assert!(page.body.contains("origin_refused"));
        let form = pairs(&[("reason", "csrf")]);
        let page = w
            .post(
                &format!("/officer/credentials/{id}/revoke"),
                Some(&cookie),
                Some(origin),
                &form,
            )
            .await;
        assert_eq!(page.status, 403, "{origin}");
        let page = w
            .post(
                "/officer/issue/passport",
                Some(&cookie),
                Some(origin),
                &common::local::sample_form("passport"),
            )
            .await;
        assert_eq!(page.status, 403, "{origin}");
    }
    assert_eq!(w.api_credential(&id).await.1["status"], "valid");
    // The issuer's own origin is accepted.
    let page = w.post("/officer/login", None, Some(&w.base), &token).await;
    assert_eq!(page.status, 303);
    assert!(page.set_cookie().is_some());
}
