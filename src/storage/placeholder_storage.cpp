// placeholder until the storage layer lands
namespace leadgate {}
