//! The colour tables the surface shader reads: the continuous maps of
//! [`crate::output::colormap`] (so PNG outputs and the app agree) and a
//! categorical palette for regions.

use super::gpu_data::{linear_rgba, Tables, LUT_ENTRIES, PALETTE_SIZE};
use crate::output::colormap::ColorMap;

/// Tableau 10 plus two: distinct hues, none of them the "no data" grey
/// ([`crate::output::colormap::NAN_COLOR`]).
const REGION_PALETTE: [[u8; 3]; PALETTE_SIZE] = [
    [78, 121, 167],
    [242, 142, 43],
    [225, 87, 89],
    [118, 183, 178],
    [89, 161, 79],
    [237, 201, 72],
    [176, 122, 161],
    [255, 157, 167],
    [156, 117, 95],
    [86, 180, 233],
    [0, 158, 115],
    [204, 121, 167],
];

/// sRGB colour of the region of rank `rank` (rank in the sorted tag list;
/// ranks beyond the palette repeat it).
pub fn region_colour(rank: usize) -> [u8; 3] {
    REGION_PALETTE[rank % PALETTE_SIZE]
}

/// Offset of `map` in [`Tables::luts`].
pub fn lut_offset(map: ColorMap) -> u32 {
    match map {
        ColorMap::Turbo => 0,
        ColorMap::CoolWarm => LUT_ENTRIES as u32,
    }
}

/// All tables in linear RGBA (the shader works in linear light; an sRGB
/// target turns the bytes back into the table's own sRGB values).
pub fn tables() -> Tables {
    let mut t = Tables {
        luts: [[0.0; 4]; LUT_ENTRIES * 2],
        palette: [[0.0; 4]; PALETTE_SIZE],
    };
    for map in [ColorMap::Turbo, ColorMap::CoolWarm] {
        let base = lut_offset(map) as usize;
        for (i, c) in map.lut().iter().enumerate() {
            t.luts[base + i] = linear_rgba([c[0], c[1], c[2], 255]);
        }
    }
    for (i, c) in REGION_PALETTE.iter().enumerate() {
        t.palette[i] = linear_rgba([c[0], c[1], c[2], 255]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::colormap::NAN_COLOR;

    #[test]
    fn tables_hold_the_output_colour_maps() {
        let t = tables();
        let cw = ColorMap::CoolWarm.lut();
        assert_eq!(
            t.luts[lut_offset(ColorMap::CoolWarm) as usize + 255],
            linear_rgba([cw[255][0], cw[255][1], cw[255][2], 255])
        );
        let tb = ColorMap::Turbo.lut();
        assert_eq!(t.luts[0], linear_rgba([tb[0][0], tb[0][1], tb[0][2], 255]));
    }

    #[test]
    fn region_colours_are_distinct_and_not_grey() {
        for (i, a) in REGION_PALETTE.iter().enumerate() {
            assert_ne!(*a, NAN_COLOR);
            for b in &REGION_PALETTE[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(region_colour(PALETTE_SIZE + 1), region_colour(1));
    }
}
