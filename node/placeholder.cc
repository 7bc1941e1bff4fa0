// node library (filled by later steps)
namespace credmesh {}
