use crate::app::Routes;

pub fn routes(r: Routes) -> Routes {
    r
}
