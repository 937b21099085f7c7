"""Operations on a take (DESIGN §1): Extend, Replace section, Cover, Remix. Each makes a new
Generation that points at its source clip and goes through the same lifecycle as a song."""
