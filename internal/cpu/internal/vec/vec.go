package vec

// Block is the number of elements processed per iteration by all functions but Sign.
const Block = 32

// SignBlock is the number of elements processed per iteration by Sign.
const SignBlock = 8
