package cpu

import "github.com/gomlx/gomlx/backends"

// Abs implements backends.Builder.
func (b *Builder) Abs(x backends.Op) (backends.Op, error) {
	return b.unaryOp(backends.OpTypeAbs, x)
}

// BitCount implements backends.Builder.
func (b *Builder) BitCount(x backends.Op) (backends.Op, error) {
	return b.unaryOp(backends.OpTypeBitCount, x)
}

// BitwiseNot implements backends.Builder.
func (b *Builder) BitwiseNot(x backends.Op) (backends.Op, error) {
	return b.unaryOp(backends.OpTypeBitwiseNot, x)
}

// Ceil implements backends.Builder.
func (b *Builder) Ceil(x backends.Op) (backends.Op, error) {
	return b.unaryOp(backends.OpTypeCeil, x)
}

// Clz implements backends.Builder.
func (b *Builder) Clz(x backends.Op) (backends.Op, error) {
	return b.unaryOp(backends.OpTypeClz, x)
}

// Conj implements backends.Builder.
func (b *Builder) Conj(x backends.Op) (backends.Op, error) {
	return b.unaryOp(backends.OpTypeConj, x)
}

// Cos implements backends.Builder.
func (b *Builder) Cos(x backends.Op) (backends.Op, error) {
	return b.unaryOp(backends.OpTypeCos, x)
}

// Erf implements backends.Builder.
func (b *Builder) Erf(x backends.Op) (backends.Op, error) {
	return b.unaryOp(backends.OpTypeErf, x)
}

// Exp implements backends.Builder.
func (b *Builder) Exp(x backends.Op) (backends.Op, error) {
	return b.unaryOp(backends.OpTypeExp, x)
}

// Expm1 implements backends.Builder.
func (b *Builder) Expm1(x backends.Op) (backends.Op, error) {
	return b.unaryOp(backends.OpTypeExpm1, x)
}

// Floor implements backends.Builder.
func (b *Builder) Floor(x backends.Op) (backends.Op, error) {
	return b.unaryOp(backends.OpTypeFloor, x)
}

// Imag implements backends.Builder.
func (b *Builder) Imag(x backends.Op) (backends.Op, error) {
	return b.unaryOp(backends.OpTypeImag, x)
}

// IsFinite implements backends.Builder.
func (b *Builder) IsFinite(x backends.Op) (backends.Op, error) {
	return b.unaryOp(backends.OpTypeIsFinite, x)
}

// Log implements backends.Builder.
func (b *Builder) Log(x backends.Op) (backends.Op, error) {
	return b.unaryOp(backends.OpTypeLog, x)
}

// Log1p implements backends.Builder.
func (b *Builder) Log1p(x backends.Op) (backends.Op, error) {
	return b.unaryOp(backends.OpTypeLog1p, x)
}

// LogicalNot implements backends.Builder.
func (b *Builder) LogicalNot(x backends.Op) (backends.Op, error) {
	return b.unaryOp(backends.OpTypeLogicalNot, x)
}

// Logistic implements backends.Builder.
func (b *Builder) Logistic(x backends.Op) (backends.Op, error) {
	return b.unaryOp(backends.OpTypeLogistic, x)
}

// Neg implements backends.Builder.
func (b *Builder) Neg(x backends.Op) (backends.Op, error) {
	return b.unaryOp(backends.OpTypeNeg, x)
}

// Real implements backends.Builder.
func (b *Builder) Real(x backends.Op) (backends.Op, error) {
	return b.unaryOp(backends.OpTypeReal, x)
}

// Round implements backends.Builder.
func (b *Builder) Round(x backends.Op) (backends.Op, error) {
	return b.unaryOp(backends.OpTypeRound, x)
}

// Rsqrt implements backends.Builder.
func (b *Builder) Rsqrt(x backends.Op) (backends.Op, error) {
	return b.unaryOp(backends.OpTypeRsqrt, x)
}

// Sign implements backends.Builder.
func (b *Builder) Sign(x backends.Op) (backends.Op, error) {
	return b.unaryOp(backends.OpTypeSign, x)
}

// Sin implements backends.Builder.
func (b *Builder) Sin(x backends.Op) (backends.Op, error) {
	return b.unaryOp(backends.OpTypeSin, x)
}

// Sqrt implements backends.Builder.
func (b *Builder) Sqrt(x backends.Op) (backends.Op, error) {
	return b.unaryOp(backends.OpTypeSqrt, x)
}

// Tanh implements backends.Builder.
func (b *Builder) Tanh(x backends.Op) (backends.Op, error) {
	return b.unaryOp(backends.OpTypeTanh, x)
}

// Add implements backends.Builder.
func (b *Builder) Add(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeAdd, lhs, rhs)
}

// BitwiseAnd implements backends.Builder.
func (b *Builder) BitwiseAnd(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeBitwiseAnd, lhs, rhs)
}

// BitwiseOr implements backends.Builder.
func (b *Builder) BitwiseOr(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeBitwiseOr, lhs, rhs)
}

// BitwiseXor implements backends.Builder.
func (b *Builder) BitwiseXor(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeBitwiseXor, lhs, rhs)
}

// Complex implements backends.Builder.
func (b *Builder) Complex(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeComplex, lhs, rhs)
}

// Div implements backends.Builder.
func (b *Builder) Div(lhs, rhs backends.Op) (backends.Op, error) {
	if fused := b.fuseSoftmax(lhs, rhs); fused != nil { // see softmax.go
		return fused, nil
	}
	return b.binaryOp(backends.OpTypeDiv, lhs, rhs)
}

// Equal implements backends.Builder.
func (b *Builder) Equal(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeEqual, lhs, rhs)
}

// EqualTotalOrder implements backends.Builder.
func (b *Builder) EqualTotalOrder(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeEqualTotalOrder, lhs, rhs)
}

// GreaterOrEqual implements backends.Builder.
func (b *Builder) GreaterOrEqual(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeGreaterOrEqual, lhs, rhs)
}

// GreaterOrEqualTotalOrder implements backends.Builder.
func (b *Builder) GreaterOrEqualTotalOrder(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeGreaterOrEqualTotalOrder, lhs, rhs)
}

// GreaterThan implements backends.Builder.
func (b *Builder) GreaterThan(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeGreaterThan, lhs, rhs)
}

// GreaterThanTotalOrder implements backends.Builder.
func (b *Builder) GreaterThanTotalOrder(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeGreaterThanTotalOrder, lhs, rhs)
}

// LessOrEqual implements backends.Builder.
func (b *Builder) LessOrEqual(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeLessOrEqual, lhs, rhs)
}

// LessOrEqualTotalOrder implements backends.Builder.
func (b *Builder) LessOrEqualTotalOrder(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeLessOrEqualTotalOrder, lhs, rhs)
}

// LessThan implements backends.Builder.
func (b *Builder) LessThan(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeLessThan, lhs, rhs)
}

// LessThanTotalOrder implements backends.Builder.
func (b *Builder) LessThanTotalOrder(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeLessThanTotalOrder, lhs, rhs)
}

// LogicalAnd implements backends.Builder.
func (b *Builder) LogicalAnd(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeLogicalAnd, lhs, rhs)
}

// LogicalOr implements backends.Builder.
func (b *Builder) LogicalOr(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeLogicalOr, lhs, rhs)
}

// LogicalXor implements backends.Builder.
func (b *Builder) LogicalXor(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeLogicalXor, lhs, rhs)
}

// Max implements backends.Builder.
func (b *Builder) Max(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeMax, lhs, rhs)
}

// Min implements backends.Builder.
func (b *Builder) Min(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeMin, lhs, rhs)
}

// Mul implements backends.Builder.
func (b *Builder) Mul(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeMul, lhs, rhs)
}

// NotEqual implements backends.Builder.
func (b *Builder) NotEqual(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeNotEqual, lhs, rhs)
}

// NotEqualTotalOrder implements backends.Builder.
func (b *Builder) NotEqualTotalOrder(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeNotEqualTotalOrder, lhs, rhs)
}

// Pow implements backends.Builder.
func (b *Builder) Pow(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypePow, lhs, rhs)
}

// Rem implements backends.Builder.
func (b *Builder) Rem(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeRem, lhs, rhs)
}

// ShiftLeft implements backends.Builder.
func (b *Builder) ShiftLeft(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeShiftLeft, lhs, rhs)
}

// ShiftRightArithmetic implements backends.Builder.
func (b *Builder) ShiftRightArithmetic(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeShiftRightArithmetic, lhs, rhs)
}

// ShiftRightLogical implements backends.Builder.
func (b *Builder) ShiftRightLogical(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeShiftRightLogical, lhs, rhs)
}

// Sub implements backends.Builder.
func (b *Builder) Sub(lhs, rhs backends.Op) (backends.Op, error) {
	return b.binaryOp(backends.OpTypeSub, lhs, rhs)
}
