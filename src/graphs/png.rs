//! A graph as PNG, for Slack (which shows no SVG): the standalone SVG rendered with
//! resvg at twice its size, with the system's fonts (Japanese labels need a CJK
//! font such as IPAGothic or Noto Sans CJK; without one they are left out).

use std::sync::{Arc, OnceLock};

use resvg::tiny_skia;
use resvg::usvg::{self, fontdb};

/// The PNG is this many times the SVG's size (sharp on high-density screens).
pub const SCALE: u32 = 2;

#[derive(Debug, thiserror::Error)]
pub enum PngError {
    #[error("the graph's SVG does not parse: {0}")]
    Svg(#[from] usvg::Error),
    #[error("the graph has no size")]
    Empty,
    #[error("the graph could not be encoded as PNG: {0}")]
    Encode(String),
}

/// Renders `svg` (a standalone graph) to PNG bytes. CPU-bound: call it off the
/// async threads (`spawn_blocking`).
pub fn render(svg: &str) -> Result<Vec<u8>, PngError> {
    let (fontdb, family) = fonts();
    let options = usvg::Options {
        fontdb,
        font_family: family,
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options)?;
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width() * SCALE, size.height() * SCALE)
        .ok_or(PngError::Empty)?;
    let scale = SCALE as f32;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| PngError::Encode(e.to_string()))
}

static FONTS: OnceLock<(Arc<fontdb::Database>, String)> = OnceLock::new();

/// The system's fonts, loaded once (a scan of the font folders takes a while),
/// with `sans-serif` set to a family that is there, and that family.
fn fonts() -> (Arc<fontdb::Database>, String) {
    FONTS
        .get_or_init(|| {
            let mut db = fontdb::Database::new();
            db.load_system_fonts();
            let family = [
                "DejaVu Sans",
                "Liberation Sans",
                "Noto Sans",
                "Noto Sans CJK JP",
                "IPAGothic",
                "IPAexGothic",
            ]
            .into_iter()
            .find(|name| {
                db.faces()
                    .any(|f| f.families.iter().any(|(n, _)| n == name))
            });
            match family {
                Some(family) => db.set_sans_serif_family(family),
                None => tracing::warn!("no sans-serif font found: graph PNGs will have no text"),
            }
            (Arc::new(db), family.unwrap_or("sans-serif").to_owned())
        })
        .clone()
}
